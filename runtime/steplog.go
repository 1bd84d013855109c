package runtime

import (
	"fmt"
	"sync"
)

// Limits on the log lines kept for one attempt of a step, for any
// Invoker. They sit above the wasm host's default caps (1,000 lines,
// 256 KiB, 4 KiB a line) so that the host's own "log lines dropped: N"
// line is kept.
const (
	maxLogLines     = 2000
	maxLogBytes     = 1 << 20
	maxLogLineBytes = 8 << 10
)

// logBuffer collects a module's log lines during one attempt. The lines
// are stored as step.log events together with the step.finished event.
type logBuffer struct {
	mu      sync.Mutex
	lines   []string
	size    int // bytes of lines
	dropped int
}

// add keeps line, cut to maxLogLineBytes, unless maxLogLines or
// maxLogBytes are kept already. It is safe for concurrent use.
func (b *logBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(line) > maxLogLineBytes {
		line = line[:maxLogLineBytes]
	}
	if len(b.lines) >= maxLogLines || b.size+len(line) > maxLogBytes {
		b.dropped++
		return
	}
	b.lines = append(b.lines, line)
	b.size += len(line)
}

// events returns one step.log event per kept line, and one more that
// counts the dropped lines when there are any.
func (b *logBuffer) events(step *Step) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	events := make([]Event, 0, len(b.lines)+2)
	for _, line := range b.lines {
		events = append(events, newEvent(EventStepLog, step.NodeID, step.ID,
			map[string]any{"line": line, "attempt": step.Attempt}))
	}
	if b.dropped > 0 {
		events = append(events, newEvent(EventStepLog, step.NodeID, step.ID, map[string]any{
			"line":    fmt.Sprintf("log lines dropped: %d", b.dropped),
			"attempt": step.Attempt,
		}))
	}
	return events
}

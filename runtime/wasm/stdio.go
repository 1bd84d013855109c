package wasm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Limits on what a module may log through stderr and the log import.
const (
	maxLogLineBytes = 4 << 10
	maxLogLines     = 1000
	tailLines       = 5
)

var errOutputTooLarge = errors.New("stdout limit reached")

// cappedBuffer keeps up to max bytes of stdout and records an overflow.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.overflow = true
		return 0, errOutputTooLarge
	}
	return b.Buffer.Write(p)
}

// lineWriter splits stderr into lines, sends each to emit and keeps the
// last few for error messages. Lines past maxLogLines are counted, not
// sent.
type lineWriter struct {
	mu      sync.Mutex
	emit    func(string)
	redact  func(string) string
	partial []byte
	sent    int
	dropped int
	tail    []string
	fatal   string // the first line that reports a crash
	oom     bool   // a line reported an allocation failure
}

// newLineWriter returns a writer that passes each line through redact
// before it sends or keeps it.
func newLineWriter(emit func(string), redact func(string) string) *lineWriter {
	return &lineWriter{emit: emit, redact: redact}
}

// WriteLine sends one line, such as a message of the log import, under
// the same limits as stderr.
func (w *lineWriter) WriteLine(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.line([]byte(s))
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p...)
			if len(w.partial) > maxLogLineBytes {
				w.line(w.partial)
				w.partial = w.partial[:0]
			}
			break
		}
		w.partial = append(w.partial, p[:i]...)
		w.line(w.partial)
		w.partial = w.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Flush sends an unterminated last line and a count of dropped lines.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(w.partial)
		w.partial = nil
	}
	if w.dropped > 0 {
		w.emit(fmt.Sprintf("%d more log lines dropped", w.dropped))
		w.dropped = 0
	}
}

// Summary returns the first line that reports a crash, such as Go's
// "panic: ..." or "fatal error: ...", or else the last lines joined by
// " | ".
func (w *lineWriter) Summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fatal != "" {
		return w.fatal
	}
	return strings.Join(w.tail, " | ")
}

// OutOfMemory reports whether a line showed an allocation failure.
func (w *lineWriter) OutOfMemory() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.oom
}

// isOutOfMemory reports whether a line shows an allocation failure: Go's
// runtime prints "out of memory", Rust's "memory allocation of N bytes
// failed".
func isOutOfMemory(line string) bool {
	return strings.Contains(line, "out of memory") ||
		strings.HasPrefix(line, "memory allocation of ")
}

func isFatal(line string) bool {
	return strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")
}

func (w *lineWriter) line(b []byte) {
	s := w.redact(strings.TrimRight(string(b), "\r"))
	if len(s) > maxLogLineBytes {
		s = s[:maxLogLineBytes] + "..."
	}
	if strings.TrimSpace(s) == "" {
		return
	}
	if isOutOfMemory(s) {
		w.oom = true
	}
	if w.fatal == "" && isFatal(s) {
		w.fatal = s
	}
	w.tail = append(w.tail, s)
	if len(w.tail) > tailLines {
		w.tail = w.tail[1:]
	}
	if w.sent >= maxLogLines {
		w.dropped++
		return
	}
	w.sent++
	w.emit(s)
}

// newRedactor returns a function that replaces each secret value in a log
// line with "[redacted]".
func newRedactor(secrets map[string]string) func(string) string {
	var pairs []string
	for _, v := range secrets {
		if v != "" {
			pairs = append(pairs, v, "[redacted]")
		}
	}
	if len(pairs) == 0 {
		return func(s string) string { return s }
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace
}

package wasm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero/sys"
)

// tailLines is the number of last log lines kept for error messages.
const tailLines = 5

var errOutputTooLarge = errors.New("stdout limit reached")

// cappedBuffer keeps up to max bytes of stdout and records an overflow.
// When stop is set, the buffer is a module's stdout, and a write past max
// ends the module, so a module that ignores the write error does not keep
// running.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
	stop     func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) <= b.max {
		return b.Buffer.Write(p)
	}
	b.overflow = true
	if b.stop == nil {
		return 0, errOutputTooLarge
	}
	// Canceling the call closes the module only once a goroutine of
	// wazero notices, which can take longer than the module needs to
	// finish. The write runs inside the module's fd_write call, so a
	// panic with an exit error ends the module at once, the way wazero
	// v1.12.0 implements WASI proc_exit.
	b.stop()
	panic(sys.NewExitError(sys.ExitCodeContextCanceled))
}

// logLimits caps the log of one call.
type logLimits struct {
	lines     int // lines sent
	bytes     int // bytes of the lines sent
	lineBytes int // bytes of one line; longer lines are cut
}

func logLimitsOf(cfg Config) logLimits {
	return logLimits{lines: cfg.MaxLogLines, bytes: cfg.MaxLogBytes, lineBytes: cfg.MaxLogLineBytes}
}

// lineWriter splits stderr into lines, sends each to emit and keeps the
// last few for error messages. Lines past the limits are counted, not
// sent, and Flush reports their number.
type lineWriter struct {
	mu        sync.Mutex
	emit      func(string)
	redact    func(string) string
	limits    logLimits
	lookahead int // bytes kept past lineBytes, so that a secret cut by the limit is still redacted

	partial  []byte
	skipping bool // the current line was cut, so bytes up to its newline are dropped
	sent     int
	sentSize int
	dropped  int
	tail     []string
	fatal    string // the first line that reports a crash
	oom      bool   // a line reported an allocation failure
}

// newLineWriter returns a writer that passes each line through the
// redactor of secrets before it sends or keeps it.
func newLineWriter(emit func(string), secrets map[string]string, limits logLimits) *lineWriter {
	longest := 0
	for _, v := range secrets {
		longest = max(longest, len(v))
	}
	return &lineWriter{emit: emit, redact: newRedactor(secrets), limits: limits, lookahead: longest}
}

// readLimit returns how many bytes of one message the writer reads: a
// line's limit plus the longest secret, so that redaction gets a secret
// that crosses the limit whole.
func (w *lineWriter) readLimit() int {
	return w.limits.lineBytes + w.lookahead
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
			w.appendPartial(p)
			break
		}
		w.appendPartial(p[:i])
		if !w.skipping {
			w.line(w.partial)
		}
		w.partial, w.skipping = w.partial[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// appendPartial adds p to the unterminated line. A line that grows past
// readLimit is sent cut, and the rest of it is dropped.
func (w *lineWriter) appendPartial(p []byte) {
	if w.skipping {
		return
	}
	w.partial = append(w.partial, p[:min(len(p), w.readLimit()+1-len(w.partial))]...)
	if len(w.partial) > w.readLimit() {
		w.line(w.partial)
		w.partial, w.skipping = w.partial[:0], true
	}
}

// Flush sends an unterminated last line and then "log lines dropped: N"
// when lines were dropped.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 && !w.skipping {
		w.line(w.partial)
	}
	w.partial, w.skipping = nil, false
	if w.dropped > 0 {
		w.emit(fmt.Sprintf("log lines dropped: %d", w.dropped))
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
	if len(s) > w.limits.lineBytes {
		s = s[:w.limits.lineBytes] + "..."
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
	if w.sent >= w.limits.lines || w.sentSize+len(s) > w.limits.bytes {
		w.dropped++
		return
	}
	w.sent++
	w.sentSize += len(s)
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

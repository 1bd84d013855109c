package main

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// keyReceiver counts the requests of each idempotency key. http.request
// sends the key "<step id>:<attempt>" in the Idempotency-Key header, so a
// key that arrives twice is one attempt of a step that executed twice.
type keyReceiver struct {
	*httptest.Server
	delay time.Duration

	// blockPath is the URL path of the one request that the receiver
	// blocks: blocked is closed when the request arrives, and the response
	// waits until unblocked is closed or the sender went away.
	blockPath              string
	blocked, unblocked     chan struct{}
	blockOnce, unblockOnce sync.Once

	mu    sync.Mutex
	calls map[string]map[int]int // request count by step id and attempt
}

// newKeyReceiver starts a receiver on 127.0.0.1 that responds to each
// request after delay, and blocks the first request to blockPath.
func newKeyReceiver(t *testing.T, delay time.Duration, blockPath string) *keyReceiver {
	t.Helper()
	r := &keyReceiver{delay: delay, blockPath: blockPath,
		blocked: make(chan struct{}), unblocked: make(chan struct{}),
		calls: make(map[string]map[int]int)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serveHTTP))
	t.Cleanup(func() {
		r.unblock()
		r.Close()
	})
	return r
}

func (r *keyReceiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	key := req.Header.Get("Idempotency-Key")
	stepID, attempt, ok := splitIdempotencyKey(key)
	if !ok {
		http.Error(w, "missing or invalid Idempotency-Key "+strconv.Quote(key),
			http.StatusBadRequest)
		return
	}
	r.record(stepID, attempt)

	if req.URL.Path == r.blockPath {
		r.blockFirst(req)
	}
	time.Sleep(r.delay)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok": true}`)
}

// blockFirst blocks the first request to blockPath until unblock is
// called or the sender went away, and returns at once for later ones.
func (r *keyReceiver) blockFirst(req *http.Request) {
	first := false
	r.blockOnce.Do(func() { first = true })
	if !first {
		return
	}
	close(r.blocked)
	select {
	case <-r.unblocked:
	case <-req.Context().Done():
	}
}

// unblock lets the blocked request, if any, get its response.
func (r *keyReceiver) unblock() {
	r.unblockOnce.Do(func() { close(r.unblocked) })
}

// splitIdempotencyKey splits "<step id>:<attempt>".
func splitIdempotencyKey(key string) (stepID string, attempt int, ok bool) {
	i := strings.LastIndexByte(key, ':')
	if i <= 0 {
		return "", 0, false
	}
	attempt, err := strconv.Atoi(key[i+1:])
	if err != nil || attempt < 1 {
		return "", 0, false
	}
	return key[:i], attempt, true
}

func (r *keyReceiver) record(stepID string, attempt int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls[stepID] == nil {
		r.calls[stepID] = make(map[int]int)
	}
	r.calls[stepID][attempt]++
}

// attempts returns the request count of each attempt of a step that
// reached the receiver.
func (r *keyReceiver) attempts(stepID string) map[int]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.calls[stepID])
}

// called reports whether any attempt of a step reached the receiver.
func (r *keyReceiver) called(stepID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls[stepID]) > 0
}

// checkKeys checks the call nodes of a run: each step reached the
// receiver, no attempt of it arrived twice, and a step called in several
// attempts succeeded in the last of them or later. It reads the run's
// steps only in that last case, because each read scans the steps
// collection on FerretDB. It returns the number of steps that called in
// more than one attempt.
func checkKeys(t *testing.T, srv *testServer, recv *keyReceiver, runID string,
	nodes []string) (retried int) {
	t.Helper()
	var steps map[string]runtime.Step
	for _, node := range nodes {
		stepID := runID + "/" + node
		counts := recv.attempts(stepID)
		if len(counts) == 0 {
			t.Errorf("step %s never called the receiver", stepID)
			continue
		}
		last := 0
		for attempt, n := range counts {
			if n > 1 {
				t.Errorf("step %s: attempt %d called the receiver %d times, want once",
					stepID, attempt, n)
			}
			last = max(last, attempt)
		}
		if len(counts) == 1 {
			continue
		}

		retried++
		if steps == nil {
			steps = runSteps(t, srv, runID)
		}
		if step := steps[node]; step.Status != runtime.StepSucceeded || step.Attempt < last {
			t.Errorf("step %s called the receiver in attempts %v but is stored %q in attempt %d, "+
				"want succeeded in attempt %d or later", stepID, counts, step.Status, step.Attempt, last)
		}
	}
	return retried
}

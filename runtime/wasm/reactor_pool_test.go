package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// waiterCount returns the calls waiting for an instance of key.
func (p *reactorPool) waiterCount(key poolKey) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ks := p.keys[key]; ks != nil {
		return len(ks.waiters)
	}
	return 0
}

// waitUntil polls cond until it holds. A cond that never holds ends in the
// timeout of go test.
func waitUntil(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// probeKey returns the pool key of test.reactor, which the reactor test
// module serves under a 48 MiB memory limit.
func probeKey(reactor map[string]testModule) poolKey {
	return poolKey{sha256: reactor["test.reactor"].sha256, pages: 48 << 4, action: "test.reactor@1.0.0"}
}

// probeCall returns a call of test.reactor with input.
func probeCall(input string) runtime.ActionCall {
	return runtime.ActionCall{Action: "test.reactor@1.0.0", Input: json.RawMessage(input),
		RunID: "run-1", StepID: "step-1", IdempotencyKey: "step-1/1"}
}

// invokeConcurrently calls test.reactor with input from n goroutines at
// once and returns their errors.
func invokeConcurrently(t *testing.T, h *Host, n int, input string) []error {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = invoke(t, h, "test.reactor@1.0.0", input)
		})
	}
	wg.Wait()
	return errs
}

// gateServer is a local HTTP server that holds each request until its
// gate opens, and counts the requests in flight.
type gateServer struct {
	*httptest.Server
	openAt int // requests in flight that open the gate

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	gate        chan struct{}
	opened      bool
}

// newGateServer returns a server whose gate opens once openAt requests
// are in flight, or when open is called.
func newGateServer(t *testing.T, openAt int) *gateServer {
	t.Helper()
	g := &gateServer{openAt: openAt, gate: make(chan struct{})}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	t.Cleanup(g.open) // lets held requests end before Close waits for them
	return g
}

func (g *gateServer) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.inFlight++
	g.maxInFlight = max(g.maxInFlight, g.inFlight)
	if g.inFlight >= g.openAt {
		g.openLocked()
	}
	g.mu.Unlock()

	select {
	case <-g.gate:
	case <-r.Context().Done():
	}

	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (g *gateServer) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.openLocked()
}

func (g *gateServer) openLocked() {
	if !g.opened {
		g.opened = true
		close(g.gate)
	}
}

func (g *gateServer) currentInFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inFlight
}

func (g *gateServer) peakInFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.maxInFlight
}

func TestHost_ReactorConcurrentCallsReuseInstances(t *testing.T) {
	reactor, _, _ := extraModules(t)
	// A wait longer than any call here keeps the count of instances
	// independent of the speed of the machine.
	h := newHostWith(t, Config{ReactorPoolSize: 2, ReactorWait: time.Minute}, reactor)

	for i, err := range invokeConcurrently(t, h, 16, `{"mode":"echo"}`) {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	started := h.reactorStarts.Load()
	if started > 2 {
		t.Errorf("reactor instances started = %d, want at most 2 (the pool size)", started)
	}
	if n := h.pool.idleCount(probeKey(reactor)); int64(n) != started {
		t.Errorf("idle instances = %d, want all %d started", n, started)
	}
}

// TestHost_ReactorSlowCallsExceedPoolSize checks that calls blocked in a
// host call do not queue behind the pool size. The server responds only
// once more requests are in flight than the pool has instances.
func TestHost_ReactorSlowCallsExceedPoolSize(t *testing.T) {
	reactor, _, _ := extraModules(t)
	server := newGateServer(t, 3)
	h := newHostWith(t, Config{ReactorPoolSize: 2, AllowLoopback: true}, reactor)

	input := `{"mode":"http","url":"` + server.URL + `/slow"}`
	for i, err := range invokeConcurrently(t, h, 6, input) {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if n := server.peakInFlight(); n <= 2 {
		t.Errorf("requests in flight at once = %d, want more than 2 (the pool size)", n)
	}
}

func TestHost_ReactorWaitEndsOnCancel(t *testing.T) {
	reactor, _, _ := extraModules(t)
	server := newGateServer(t, 2)
	h := newHostWith(t, Config{ReactorPoolSize: 1, ReactorWait: time.Hour, AllowLoopback: true}, reactor)

	// The first call holds the only instance until the gate opens.
	first := make(chan error, 1)
	go func() {
		_, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"http","url":"`+server.URL+`"}`)
		first <- err
	}()
	waitUntil(func() bool { return server.currentInFlight() == 1 })

	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan error, 1)
	go func() {
		_, err := h.Invoke(ctx, probeCall(`{"mode":"echo"}`))
		second <- err
	}()
	waitUntil(func() bool { return h.pool.waiterCount(probeKey(reactor)) == 1 })

	// Only the cancel can end the second call, since its wait is an hour.
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("second call error = %v, want context.Canceled", err)
	}
	server.open()
	if err := <-first; err != nil {
		t.Fatalf("first call: %v", err)
	}

	if got := invokeProbe(t, h, "echo"); got.Calls != 2 {
		t.Errorf("call after the cancel: calls = %d, want 2 in the first instance", got.Calls)
	}
	if n := h.reactorStarts.Load(); n != 1 {
		t.Errorf("reactor instances started = %d, want 1", n)
	}
}

func TestHost_ReactorSecretCallDoesNotWait(t *testing.T) {
	reactor, _, _ := extraModules(t)
	server := newGateServer(t, 2)
	h := newHostWith(t, Config{
		ReactorPoolSize: 1, ReactorWait: time.Hour, AllowLoopback: true,
		Secrets: staticSecrets{"empty": "", "stored": "s1-value"},
	}, reactor)
	const ref = "test.reactor_secret@1.0.0"

	// The first call carries no secret value and holds the only instance
	// until the gate opens.
	first := make(chan error, 1)
	go func() {
		_, _, err := invokeGranted(t, h, ref, `{"mode":"http","url":"`+server.URL+`"}`,
			map[string]string{"token": "empty"})
		first <- err
	}()
	waitUntil(func() bool { return server.currentInFlight() == 1 })

	// With a wait of an hour, the second call returns before the gate
	// opens only if it does not wait.
	_, _, err := invokeGranted(t, h, ref, `{"mode":"echo"}`, map[string]string{"token": "stored"})
	if err != nil {
		t.Errorf("call with a secret value: %v", err)
	}
	if n := server.currentInFlight(); n != 1 {
		t.Errorf("requests in flight after the call with a secret value = %d, want 1", n)
	}
	if n := h.reactorStarts.Load(); n != 2 {
		t.Errorf("reactor instances started = %d, want 2", n)
	}

	server.open()
	if err := <-first; err != nil {
		t.Errorf("first call: %v", err)
	}
}

func TestReactorPool_HandsOffInArrivalOrder(t *testing.T) {
	p := newReactorPool(Config{ReactorPoolSize: 1, ReactorMaxIdle: 4},
		slog.New(slog.DiscardHandler))
	key := poolKey{action: "a@1.0.0"}
	ctx := t.Context()
	if inst, err := p.acquire(ctx, key, time.Hour); inst != nil || err != nil {
		t.Fatalf("first acquire = %v, %v, want nil, nil (start a new instance)", inst, err)
	}

	var grants [3]chan *reactorInstance
	for i := range grants {
		grants[i] = make(chan *reactorInstance, 1)
		go func() {
			inst, err := p.acquire(ctx, key, time.Hour)
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
			grants[i] <- inst
		}()
		waitUntil(func() bool { return p.waiterCount(key) == i+1 })
	}

	inst := &reactorInstance{}
	p.release(ctx, key, inst, true)
	if got := <-grants[0]; got != inst {
		t.Errorf("waiter 0 got %p, want the released instance %p", got, inst)
	}
	p.release(ctx, key, inst, true)
	if got := <-grants[1]; got != inst {
		t.Errorf("waiter 1 got %p, want the released instance %p", got, inst)
	}
	// An instance that failed to start passes its place to the next waiter.
	p.release(ctx, key, nil, false)
	if got := <-grants[2]; got != nil {
		t.Errorf("waiter 2 got %p, want nil (start a new instance)", got)
	}
	if n := p.waiterCount(key); n != 0 {
		t.Errorf("waiters left = %d, want 0", n)
	}
}

func TestReactorPool_CloseEndsWait(t *testing.T) {
	p := newReactorPool(Config{ReactorPoolSize: 1, ReactorMaxIdle: 4},
		slog.New(slog.DiscardHandler))
	key := poolKey{action: "a@1.0.0"}
	if _, err := p.acquire(t.Context(), key, time.Hour); err != nil {
		t.Fatal(err)
	}
	done := make(chan *reactorInstance, 1)
	go func() {
		inst, err := p.acquire(t.Context(), key, time.Hour)
		if err != nil {
			t.Errorf("acquire: %v", err)
		}
		done <- inst
	}()
	waitUntil(func() bool { return p.waiterCount(key) == 1 })

	if err := p.closeAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got != nil {
		t.Errorf("waiter got %p after closeAll, want nil", got)
	}
}

func TestReactorPool_Caps(t *testing.T) {
	p := newReactorPool(Config{ReactorPoolSize: 2, ReactorMaxIdle: 3},
		slog.New(slog.DiscardHandler))
	a, b := poolKey{action: "a@1.0.0"}, poolKey{action: "b@1.0.0"}
	for _, key := range []poolKey{a, a, a, b, b} {
		if inst, _ := p.acquire(t.Context(), key, -1); inst != nil {
			t.Fatalf("acquire(%s) returned an idle instance of an empty pool", key.action)
		}
	}

	steps := []struct {
		key  poolKey
		want bool
	}{
		{a, true},
		{a, true},
		{a, false}, // a has perKey idle instances
		{b, true},
		{b, false}, // the pool has maxIdle idle instances
	}
	for i, s := range steps {
		if got := keepIdle(p, s.key, &reactorInstance{}); got != s.want {
			t.Errorf("keep %d (%s) = %v, want %v", i, s.key.action, got, s.want)
		}
	}
	for i := range 2 {
		if inst, _ := p.acquire(t.Context(), a, -1); inst == nil {
			t.Errorf("acquire(a) %d = nil, want an idle instance", i)
		}
	}
	if inst, _ := p.acquire(t.Context(), a, -1); inst != nil {
		t.Error("acquire(a) returned a third idle instance, want nil")
	}
	if !keepIdle(p, b, &reactorInstance{}) {
		t.Error("keep(b) after acquire(a) = false, want true")
	}
}

// keepIdle offers inst to the pool like release, without closing an inst
// that the pool does not keep.
func keepIdle(p *reactorPool, key poolKey, inst *reactorInstance) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.passOn(key, inst, true)
}

func TestHost_ReactorWait(t *testing.T) {
	tests := []struct {
		name   string
		wait   time.Duration // Config.ReactorWait
		starts []time.Duration
		want   time.Duration
	}{
		{"set", 5 * time.Millisecond, []time.Duration{time.Second}, 5 * time.Millisecond},
		{"never", -1, nil, -1},
		{"before a start", 0, nil, DefaultReactorWait},
		{"half one start", 0, []time.Duration{40 * time.Millisecond}, 20 * time.Millisecond},
		{"moving average", 0, []time.Duration{40 * time.Millisecond, 200 * time.Millisecond},
			40 * time.Millisecond}, // 40 + (200-40)/4 = 80, halved
		{"capped", 0, []time.Duration{10 * time.Second}, maxReactorWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Host{cfg: Config{ReactorWait: tt.wait}}
			compiled := &compiledModule{}
			for _, d := range tt.starts {
				compiled.recordStart(d)
			}
			if got := h.reactorWait(compiled); got != tt.want {
				t.Errorf("reactorWait = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHost_ReactorIdleInstanceClosed(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{ReactorPoolSize: 2, ReactorIdleTimeout: 50 * time.Millisecond}, reactor)
	key := probeKey(reactor)

	if _, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"echo"}`); err != nil {
		t.Fatalf("first call: %v", err)
	}
	h.pool.mu.Lock()
	var idle *reactorInstance
	if ks := h.pool.keys[key]; ks != nil && len(ks.idle) == 1 {
		idle = ks.idle[0]
	}
	h.pool.mu.Unlock()
	if idle == nil {
		t.Fatal("no instance kept idle after the first call")
	}

	waitUntil(func() bool { return h.pool.idleCount(key) == 0 })
	if !idle.mod.IsClosed() {
		t.Error("instance left the pool but its module is open")
	}
	if _, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"echo"}`); err != nil {
		t.Fatalf("call after the idle instance closed: %v", err)
	}
}

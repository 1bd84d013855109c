package wasm

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// poolKey names the instances that may serve a call: those of one module,
// compiled under one memory limit, that served only this action version.
type poolKey struct {
	sha256 string
	pages  uint32
	action string // "name@version"
}

// reactorPool keeps idle reactor instances, at most perKey for one key and
// maxIdle in all, and counts the live instances of each key. A call that
// finds no idle instance of a key with perKey live ones may wait for
// another call to release one before it starts a new one. An instance
// idle for idleTimeout is closed.
type reactorPool struct {
	perKey      int
	maxIdle     int
	idleTimeout time.Duration // negative keeps idle instances
	log         *slog.Logger

	mu       sync.Mutex
	closed   bool
	keys     map[poolKey]*keyState
	count    int           // idle instances over all keys
	sweeping bool          // set while a sweep goroutine runs
	stop     chan struct{} // closed by closeAll
}

// keyState holds the instances and waiting calls of one key.
type keyState struct {
	idle    []*reactorInstance // the most recently used last
	live    int                // idle, in use or being started
	waiters []*poolWaiter      // in arrival order
}

// poolWaiter is a call waiting for an instance. release sends it one
// instance, or nil to let it start a new instance in place of one that was
// closed.
type poolWaiter struct {
	grant chan *reactorInstance // buffered, receives exactly one value
}

func newReactorPool(cfg Config, log *slog.Logger) *reactorPool {
	return &reactorPool{
		perKey:      max(cfg.ReactorPoolSize, 0),
		maxIdle:     cfg.ReactorMaxIdle,
		idleTimeout: cfg.ReactorIdleTimeout,
		log:         log,
		keys:        make(map[poolKey]*keyState),
		stop:        make(chan struct{}),
	}
}

// acquire returns an idle instance of key, or an instance that another
// call releases while this one waits, or nil when the caller is to start
// a new instance. It waits only when key has perKey live instances, up to
// wait (never when wait is negative) or until ctx is done, and then
// returns ctx.Err(). The caller passes what it got, or the instance it
// started, to release.
func (p *reactorPool) acquire(ctx context.Context, key poolKey, wait time.Duration) (*reactorInstance, error) {
	p.mu.Lock()
	if p.closed || p.perKey == 0 {
		p.mu.Unlock()
		return nil, nil
	}
	ks := p.keys[key]
	if ks == nil {
		ks = &keyState{}
		p.keys[key] = ks
	}
	if inst := ks.popIdle(); inst != nil {
		p.count--
		p.mu.Unlock()
		return inst, nil
	}
	if ks.live < p.perKey || wait < 0 {
		ks.live++
		p.mu.Unlock()
		return nil, nil
	}
	w := &poolWaiter{grant: make(chan *reactorInstance, 1)}
	ks.waiters = append(ks.waiters, w)
	p.mu.Unlock()

	return p.await(ctx, key, w, wait)
}

// await waits for a grant to w. When the wait runs out first, the caller
// starts a new instance, which counts as live beyond perKey.
func (p *reactorPool) await(ctx context.Context, key poolKey, w *poolWaiter,
	wait time.Duration,
) (*reactorInstance, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case inst := <-w.grant:
		return inst, nil
	case <-timer.C:
	case <-ctx.Done():
	}

	p.mu.Lock()
	if !p.removeWaiter(key, w) {
		// A release granted w before the lock was taken.
		p.mu.Unlock()
		inst := <-w.grant
		if ctx.Err() == nil {
			return inst, nil
		}
		p.release(ctx, key, inst, inst != nil)
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	p.keys[key].live++
	p.mu.Unlock()
	return nil, nil
}

// removeWaiter removes w from the waiters of key and reports whether it
// was there. p.mu must be held.
func (p *reactorPool) removeWaiter(key poolKey, w *poolWaiter) bool {
	ks := p.keys[key]
	if ks == nil {
		return false
	}
	for i, other := range ks.waiters {
		if other == w {
			ks.waiters = append(ks.waiters[:i], ks.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// release ends the use of inst by one call. A reusable inst goes to the
// first call waiting for key, else to the idle list within the caps, and
// is closed otherwise. When inst is closed, or is nil because it failed
// to start, the first waiting call may start a new instance in its place.
func (p *reactorPool) release(ctx context.Context, key poolKey, inst *reactorInstance, reusable bool) {
	p.mu.Lock()
	taken := p.passOn(key, inst, reusable && inst != nil)
	p.mu.Unlock()

	if inst != nil && !taken {
		if err := inst.mod.Close(context.WithoutCancel(ctx)); err != nil {
			p.log.WarnContext(ctx, "reactor instance close failed", "action", key.action, "error", err)
		}
	}
}

// passOn hands inst, or its place if it is not reusable, to the first
// call waiting for key, or keeps a reusable inst idle. It reports whether
// inst was handed over or kept. p.mu must be held.
func (p *reactorPool) passOn(key poolKey, inst *reactorInstance, reusable bool) bool {
	ks := p.keys[key]
	if p.closed || ks == nil {
		return false
	}
	w := ks.popWaiter()
	switch {
	case w != nil && reusable:
		w.grant <- inst
		return true
	case w != nil:
		w.grant <- nil // the waiter starts an instance, which takes the place of inst
		return false
	case reusable && len(ks.idle) < p.perKey && p.count < p.maxIdle:
		inst.idle = time.Now()
		ks.idle = append(ks.idle, inst)
		p.count++
		if p.idleTimeout > 0 && !p.sweeping {
			p.sweeping = true
			go p.sweep()
		}
		return true
	}
	ks.live--
	p.forgetIfUnused(key, ks)
	return false
}

// forgetIfUnused deletes the state of key once it has no instance and no
// waiting call. p.mu must be held.
func (p *reactorPool) forgetIfUnused(key poolKey, ks *keyState) {
	if ks.live <= 0 && len(ks.idle) == 0 && len(ks.waiters) == 0 {
		delete(p.keys, key)
	}
}

func (ks *keyState) popIdle() *reactorInstance {
	n := len(ks.idle)
	if n == 0 {
		return nil
	}
	inst := ks.idle[n-1]
	ks.idle[n-1] = nil
	ks.idle = ks.idle[:n-1]
	return inst
}

func (ks *keyState) popWaiter() *poolWaiter {
	if len(ks.waiters) == 0 {
		return nil
	}
	w := ks.waiters[0]
	ks.waiters[0] = nil
	ks.waiters = ks.waiters[1:]
	return w
}

// idleCount returns the idle instances of key.
func (p *reactorPool) idleCount(key poolKey) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ks := p.keys[key]; ks != nil {
		return len(ks.idle)
	}
	return 0
}

// sweep closes the instances idle for idleTimeout, checking every half
// timeout, and returns once no instance is idle or the pool is closed.
func (p *reactorPool) sweep() {
	ticker := time.NewTicker(max(p.idleTimeout/2, time.Millisecond))
	defer ticker.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-ticker.C:
		}
		expired, more := p.takeExpired(time.Now().Add(-p.idleTimeout))
		for _, e := range expired {
			if err := e.inst.mod.Close(context.Background()); err != nil {
				p.log.Warn("reactor instance close failed", "action", e.key.action, "error", err)
			}
		}
		if len(expired) > 0 {
			p.log.Debug("idle reactor instances closed", "count", len(expired))
		}
		if !more {
			return
		}
	}
}

// expiredInstance is an idle instance that sweep closes.
type expiredInstance struct {
	key  poolKey
	inst *reactorInstance
}

// takeExpired removes the instances kept idle before cutoff and returns
// them, and whether instances remain idle. When none does, the sweep
// ends and the next instance kept idle starts another.
func (p *reactorPool) takeExpired(cutoff time.Time) ([]expiredInstance, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var expired []expiredInstance
	for key, ks := range p.keys {
		// The idle list runs from the least recently used.
		n := 0
		for n < len(ks.idle) && ks.idle[n].idle.Before(cutoff) {
			expired = append(expired, expiredInstance{key, ks.idle[n]})
			ks.idle[n] = nil
			n++
		}
		ks.idle = ks.idle[n:]
		ks.live -= n
		p.count -= n
		p.forgetIfUnused(key, ks)
	}
	if p.closed || p.count == 0 {
		p.sweeping = false
		return expired, false
	}
	return expired, true
}

// closeAll closes every idle instance and keeps none from then on. Calls
// that wait for an instance stop waiting and start one, which fails on a
// closed Host.
func (p *reactorPool) closeAll(ctx context.Context) error {
	p.mu.Lock()
	keys := p.keys
	p.keys = nil
	p.count = 0
	if !p.closed {
		close(p.stop)
	}
	p.closed = true
	for _, ks := range keys {
		for _, w := range ks.waiters {
			w.grant <- nil
		}
	}
	p.mu.Unlock()

	var errs []error
	for _, ks := range keys {
		for _, inst := range ks.idle {
			errs = append(errs, inst.mod.Close(ctx))
		}
	}
	return errors.Join(errs...)
}

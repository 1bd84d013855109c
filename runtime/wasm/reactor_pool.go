package wasm

import (
	"context"
	"errors"
	"sync"
)

// poolKey names the instances that may serve a call: those of one module,
// compiled under one memory limit, that served only this action version.
type poolKey struct {
	sha256 string
	pages  uint32
	action string // "name@version"
}

// reactorPool keeps idle reactor instances, at most perKey for one key and
// maxIdle in all.
type reactorPool struct {
	perKey  int
	maxIdle int

	mu     sync.Mutex
	closed bool
	idle   map[poolKey][]*reactorInstance
	count  int // idle instances over all keys
}

func newReactorPool(cfg Config) *reactorPool {
	return &reactorPool{
		perKey:  max(cfg.ReactorPoolSize, 0),
		maxIdle: cfg.ReactorMaxIdle,
		idle:    make(map[poolKey][]*reactorInstance),
	}
}

// get removes and returns the most recently used idle instance of key, or
// nil when there is none.
func (p *reactorPool) get(key poolKey) *reactorInstance {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[key]
	if len(list) == 0 {
		return nil
	}
	inst := list[len(list)-1]
	list[len(list)-1] = nil
	if len(list) == 1 {
		delete(p.idle, key)
	} else {
		p.idle[key] = list[:len(list)-1]
	}
	p.count--
	return inst
}

// put keeps inst as idle and reports whether it did. It keeps none after
// closeAll or past either cap, and the caller then closes inst.
func (p *reactorPool) put(key poolKey, inst *reactorInstance) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle[key]) >= p.perKey || p.count >= p.maxIdle {
		return false
	}
	p.idle[key] = append(p.idle[key], inst)
	p.count++
	return true
}

// idleCount returns the idle instances of key.
func (p *reactorPool) idleCount(key poolKey) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle[key])
}

// closeAll closes every idle instance and keeps none from then on.
func (p *reactorPool) closeAll(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.count = 0
	p.closed = true
	p.mu.Unlock()

	var errs []error
	for _, list := range idle {
		for _, inst := range list {
			errs = append(errs, inst.mod.Close(ctx))
		}
	}
	return errors.Join(errs...)
}

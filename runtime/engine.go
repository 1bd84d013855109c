package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxOutputBytes = 1 << 20
	DefaultMaxSteps       = 100_000
	DefaultRunTimeout     = time.Hour
	DefaultMaxParallel    = 8
	DefaultMaxLoopItems   = 10_000
	DefaultMaxDepth       = 5
)

// Config sets up an Engine. Store and Invoker are required. Every other
// zero value takes the default named in its comment.
type Config struct {
	Store   Store
	Invoker Invoker
	Logger  *slog.Logger // nil discards logs

	MaxOutputBytes int           // per step output, in bytes; 0 means 1 MiB
	MaxSteps       int           // steps executed per run, loop bodies included; 0 means 100,000
	RunTimeout     time.Duration // per run; 0 means one hour
	MaxParallel    int           // steps running at once in one run; 0 means 8
	MaxLoopItems   int           // items of one loop step; 0 means 10,000
	MaxDepth       int           // depth of a subplaybook child run; 0 means 5

	// Leases apply when Store also implements LeaseStore.
	ProcessID          string        // lease holder id; empty means host name, pid and a random suffix
	LeaseDuration      time.Duration // how long a lease lasts unrenewed; 0 means 15s
	LeaseRenewInterval time.Duration // how often leases are renewed and runs claimed; 0 means 5s
	PollInterval       time.Duration // how often other processes' answers and cancels are read; 0 means 1s

	// Observer receives run and step starts and ends; nil reports none.
	Observer Observer
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxOutputBytes <= 0 {
		c.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if c.MaxSteps <= 0 {
		c.MaxSteps = DefaultMaxSteps
	}
	if c.RunTimeout <= 0 {
		c.RunTimeout = DefaultRunTimeout
	}
	if c.MaxParallel <= 0 {
		c.MaxParallel = DefaultMaxParallel
	}
	if c.MaxLoopItems <= 0 {
		c.MaxLoopItems = DefaultMaxLoopItems
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.ProcessID == "" {
		c.ProcessID = newProcessID()
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.LeaseRenewInterval <= 0 {
		c.LeaseRenewInterval = min(DefaultLeaseRenewInterval, c.LeaseDuration/3)
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	return c
}

// Engine executes runs. It owns every run it starts or resumes: all writes
// for such a run go through it. With a LeaseStore, engines in several
// processes share runs, and each run has one owner at a time.
type Engine struct {
	cfg    Config
	store  Store // refuses writes for runs whose lease the engine lost
	log    *slog.Logger
	leases *leaser
	waits  *waitRegistry

	// soft is canceled when Shutdown begins, so runs start no more steps.
	// hard is canceled when the grace period ends, so running steps stop.
	soft     context.Context
	stopSoft context.CancelFunc
	hard     context.Context
	stopHard context.CancelCauseFunc

	mu      sync.Mutex
	closing bool
	active  map[string]*runState
	wg      sync.WaitGroup
}

// New returns an Engine that uses cfg. It starts nothing until Start or
// Resume is called.
func New(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	e := &Engine{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "runtime"),
		active: make(map[string]*runState),
	}
	e.leases = newLeaser(e, cfg)
	e.store = fencedStore{Store: cfg.Store, leases: e.leases}
	e.waits = newWaitRegistry(e, cfg.Store)
	e.soft, e.stopSoft = context.WithCancel(context.Background())
	e.hard, e.stopHard = context.WithCancelCause(context.Background())
	return e
}

// StartRequest is a request to run a pinned playbook version from one of
// its trigger nodes.
type StartRequest struct {
	Playbook    *designer.Playbook // the pinned version
	TriggerNode string             // the trigger node that fired
	Trigger     json.RawMessage    // webhook body (parsed) or nil
	TriggerRaw  []byte             // webhook body as received, or nil
	Inputs      json.RawMessage    // manual run inputs or nil
	// ID is the id of the new run, such as one from IdempotentRunID, or
	// empty for a new random id. When a run with this id exists, Start
	// returns an error wrapping ErrConflict and starts nothing.
	ID string
}

// Start stores a new run in the running state, runs it in the background
// and returns at once. The returned Run is a copy of the stored document.
// Start returns ErrShuttingDown once Shutdown has begun.
func (e *Engine) Start(ctx context.Context, req StartRequest) (*Run, error) {
	if err := checkStartRequest(req); err != nil {
		return nil, err
	}
	if e.isClosing() {
		return nil, ErrShuttingDown
	}

	id, err := e.newRunID(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	if err := e.takeNewRun(ctx, id); err != nil {
		return nil, err
	}
	// The run starts at once, so it is stored running: a queued state
	// would cost a second write and last no time.
	now := time.Now().UTC()
	run := &Run{
		ID:              id,
		PlaybookID:      req.Playbook.ID,
		PlaybookVersion: req.Playbook.Version,
		Status:          RunRunning,
		TriggerNode:     req.TriggerNode,
		Trigger:         req.Trigger,
		TriggerRaw:      req.TriggerRaw,
		Inputs:          req.Inputs,
		CreatedAt:       now,
		StartedAt:       &now,
	}
	if err := e.store.InsertRun(ctx, run); err != nil {
		e.leases.abandon(ctx, id)
		return nil, fmt.Errorf("run %q: insert: %w", id, err)
	}

	copied := *run
	rs := newRunState(e, run, req.Playbook, 0)
	rs.fresh = true
	if err := e.launch(rs, nil); err != nil {
		return nil, err
	}
	return &copied, nil
}

// newRunID returns want when no run has that id, and a new random id
// when want is empty.
func (e *Engine) newRunID(ctx context.Context, want string) (string, error) {
	if want == "" {
		id, err := newRunID(time.Now())
		if err != nil {
			return "", fmt.Errorf("new run id: %w", err)
		}
		return id, nil
	}
	if !validRunID(want) {
		return "", fmt.Errorf("run id %q is not 26 characters of 0-9 and a-v: %w", want, ErrInvalid)
	}
	_, err := e.store.GetRun(ctx, want)
	switch {
	case err == nil:
		return "", fmt.Errorf("run %q exists: %w", want, ErrConflict)
	case !errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("run %q: %w", want, err)
	}
	return want, nil
}

// takeNewRun takes the first lease generation of a new run and starts the
// lease loop.
func (e *Engine) takeNewRun(ctx context.Context, runID string) error {
	if !e.leases.enabled() {
		return nil
	}
	e.leases.startLoop()
	ok, err := e.leases.take(ctx, runID, 1)
	if err == nil && !ok {
		err = ErrConflict
	}
	if err != nil {
		return fmt.Errorf("run %q: take lease: %w", runID, err)
	}
	return nil
}

func checkStartRequest(req StartRequest) error {
	if req.Playbook == nil {
		return errors.New("start run: playbook is missing")
	}
	if len(req.Trigger) > 0 && !json.Valid(req.Trigger) {
		return fmt.Errorf("playbook %q: trigger body is not valid JSON", req.Playbook.ID)
	}
	if len(req.Inputs) > 0 && !json.Valid(req.Inputs) {
		return fmt.Errorf("playbook %q: inputs are not valid JSON", req.Playbook.ID)
	}
	for _, n := range req.Playbook.Nodes {
		if n.ID != req.TriggerNode {
			continue
		}
		if n.Type != designer.NodeTrigger {
			return fmt.Errorf("playbook %q: node %q: type %q is not a trigger",
				req.Playbook.ID, n.ID, n.Type)
		}
		return nil
	}
	return fmt.Errorf("playbook %q: trigger node %q not found", req.Playbook.ID, req.TriggerNode)
}

// launch registers rs as active and executes it in a new goroutine. The
// steps argument holds the steps already stored for a resumed run.
func (e *Engine) launch(rs *runState, steps []Step) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return ErrShuttingDown
	}
	if _, ok := e.active[rs.run.ID]; ok {
		return fmt.Errorf("run %q: already active: %w", rs.run.ID, ErrConflict)
	}
	e.active[rs.run.ID] = rs
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.forget(rs)
		rs.execute(steps)
	}()
	return nil
}

// newJournal returns the journal of the run runID, whose writes stop
// once the engine loses the run's lease.
func (e *Engine) newJournal(runID string, lastSeq int64) *journal {
	fence := func() error {
		if !e.leases.owns(runID) {
			return fmt.Errorf("run %q: %w", runID, errLeaseLost)
		}
		return nil
	}
	return newJournal(runID, e.cfg.Store, fence, lastSeq)
}

func (e *Engine) forget(rs *runState) {
	e.mu.Lock()
	delete(e.active, rs.run.ID)
	e.mu.Unlock()
	e.leases.release(rs.run)
	rs.events.close()
	close(rs.done)
}

func (e *Engine) lookup(runID string) *runState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active[runID]
}

func (e *Engine) isClosing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closing
}

// Wait returns a channel that is closed when the run runID stops executing
// in this engine: it ended, or Shutdown paused it. For a run that is not
// active here the channel is already closed.
func (e *Engine) Wait(runID string) <-chan struct{} {
	if rs := e.lookup(runID); rs != nil {
		return rs.done
	}
	closed := make(chan struct{})
	close(closed)
	return closed
}

// Cancel stops the run runID. An active run stops its running steps and
// ends canceled. A run that is unfinished in the store but owned by no
// engine is marked canceled there, with a run.finished event. A run that
// another process owns gets a cancel request, which its owner reads
// within Config.PollInterval. Cancel returns an error wrapping ErrNotFound
// for an unknown run and ErrConflict for a run that already ended.
func (e *Engine) Cancel(ctx context.Context, runID string) error {
	if rs := e.lookup(runID); rs != nil {
		if rs.ended.Load() {
			return fmt.Errorf("run %q: already %s: %w", runID, rs.run.Status, ErrConflict)
		}
		if !rs.canceling.CompareAndSwap(false, true) {
			return fmt.Errorf("run %q: cancel already requested: %w", runID, ErrConflict)
		}
		rs.cancel(errRunCanceled)
		return nil
	}

	run, err := e.store.GetRun(ctx, runID)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("run %q not found: %w", runID, ErrNotFound)
	}
	if err != nil {
		return err // the store's error names the run
	}
	if run.Status.Ended() {
		return fmt.Errorf("run %q: already %s: %w", runID, run.Status, ErrConflict)
	}
	if !e.leases.enabled() {
		return e.cancelStored(ctx, run)
	}
	return e.cancelUnowned(ctx, run)
}

// cancelStored marks a run that no engine executes canceled and appends
// its run.finished event after the last stored one.
func (e *Engine) cancelStored(ctx context.Context, run *Run) error {
	lastSeq, err := e.lastSeq(ctx, run.ID)
	if err != nil {
		return err
	}

	now := time.Now().UTC()
	run.Status = RunCanceled
	run.Error = errRunCanceled.Error()
	run.EndedAt = &now
	if err := e.store.UpdateRun(ctx, run); err != nil {
		return fmt.Errorf("run %q: update: %w", run.ID, err)
	}

	events := e.newJournal(run.ID, lastSeq)
	data := map[string]any{"status": RunCanceled, "error": run.Error}
	if err := events.append(newEvent(EventRunFinished, "", "", data)); err != nil {
		return err
	}
	e.log.Info("run canceled", "run_id", run.ID, "active", false)
	e.observeStoredEnd(run)
	return nil
}

// Shutdown stops the engine in two stages. First it takes no new runs and
// starts no new steps, and lets running steps finish. When ctx ends before
// they do, it cancels them. Runs that did not end stay unfinished in the
// store, so Resume continues them later. Shutdown returns ctx.Err() when
// the grace period ran out, and nil otherwise.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.closing = true
	n := len(e.active)
	e.mu.Unlock()
	e.log.Info("engine stopping", "active_runs", n)

	e.stopSoft()
	done := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(done)
	}()

	select {
	case <-done:
		e.stopHard(errEngineClosed)
		e.leases.shutdown()
		e.log.Info("engine stopped")
		return nil
	case <-ctx.Done():
	}

	e.log.Warn("engine grace period ended, canceling running steps", "error", ctx.Err())
	e.stopHard(errEngineClosed)
	<-done
	e.leases.shutdown()
	e.log.Info("engine stopped")
	return ctx.Err()
}

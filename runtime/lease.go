package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Lease defaults for the zero values of Config.
const (
	DefaultLeaseDuration      = 15 * time.Second
	DefaultLeaseRenewInterval = 5 * time.Second
	DefaultPollInterval       = time.Second
)

// Lease is one generation of a run's ownership. Generation n+1 of a run
// is taken only by a process that saw generation n expire.
type Lease struct {
	RunID      string
	Generation int64
	Holder     string    // Config.ProcessID of the owner
	ExpiresAt  time.Time // the latest expiry the holder stored
}

// LeaseStore is the persistence of run ownership. A Store that also
// implements it lets several processes share runs. Its one atomic
// operation is InsertLease: the store keeps a unique key per run and
// generation.
type LeaseStore interface {
	// InsertLease takes a generation; a taken one is ErrConflict.
	InsertLease(ctx context.Context, lease Lease) error
	// RenewLeases stores new expiries. Only the holder of a generation
	// renews it, so each expiry has one writer.
	RenewLeases(ctx context.Context, leases []Lease) error
	// ListLeases returns every generation of the runs runIDs.
	ListLeases(ctx context.Context, runIDs []string) ([]Lease, error)
	// DeleteCoordination removes the leases, timers and cancel requests
	// of runs that ended.
	DeleteCoordination(ctx context.Context, runIDs []string) error
	// ListActiveRuns returns the ids of runs that have not ended.
	ListActiveRuns(ctx context.Context) ([]string, error)
	// DeleteActiveRun removes an id whose run ended or was never stored.
	DeleteActiveRun(ctx context.Context, runID string) error
	// InsertCancelRequest stores a request for the owner of runID to
	// cancel it. A second request is ErrConflict.
	InsertCancelRequest(ctx context.Context, runID, by string) error
	// ListCancelRequests returns the ids among runIDs with a request.
	ListCancelRequests(ctx context.Context, runIDs []string) ([]string, error)
}

// errLeaseLost is the cause of a run context that ended because another
// process took the run over. The run stops as if the engine shut down:
// nothing more of it is stored.
var errLeaseLost error = leaseLostError{}

type leaseLostError struct{}

func (leaseLostError) Error() string        { return "run lease lost to another process" }
func (leaseLostError) Is(target error) bool { return target == errEngineClosed }

// liveHolders contains the process ids of the engines running in this
// process. With an exclusive store, such as embedded FerretDB that only
// one process opens, a lease of any other holder belongs to a process that
// died, so it counts as expired at once.
var liveHolders sync.Map

// heldLease is a generation this engine holds.
type heldLease struct {
	generation int64
	validUntil time.Time // the expiry of the last renewal that succeeded
	lost       bool
}

// leaser takes, renews and releases the leases of an engine's runs, and
// claims the runs whose owner stopped renewing.
type leaser struct {
	e         *Engine
	store     LeaseStore // nil when the store keeps no leases
	holder    string
	duration  time.Duration
	renew     time.Duration
	poll      time.Duration
	exclusive bool
	log       *slog.Logger

	claiming  atomic.Bool  // set by Resume: the loop claims expired runs
	renewedAt atomic.Int64 // Unix nanoseconds of the last renewal
	start     sync.Once
	running   bool // set in start when the loop runs
	stopOnce  sync.Once
	stop      chan struct{} // closed at the end of Shutdown
	done      chan struct{} // closed when the loop returned

	mu    sync.Mutex
	held  map[string]*heldLease // by run id
	ended []string              // runs that ended here, whose records the loop removes
}

func newLeaser(e *Engine, cfg Config) *leaser {
	l := &leaser{
		e:        e,
		holder:   cfg.ProcessID,
		duration: cfg.LeaseDuration,
		renew:    cfg.LeaseRenewInterval,
		poll:     cfg.PollInterval,
		log:      e.log.With("process_id", cfg.ProcessID),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		held:     make(map[string]*heldLease),
	}
	if ls, ok := cfg.Store.(LeaseStore); ok {
		l.store = ls
	}
	if ex, ok := cfg.Store.(interface{ Embedded() bool }); ok && ex.Embedded() {
		l.exclusive = true
	}
	liveHolders.Store(l.holder, struct{}{})
	return l
}

// newProcessID returns "<host name>-<pid>-<8 random hex digits>".
func newProcessID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "updraft"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (l *leaser) enabled() bool { return l.store != nil }

// owns reports whether the engine may write for runID: leases are off, or
// it holds a lease of the run that was not lost and, unless the store is
// exclusive, is further than the margin from its expiry.
func (l *leaser) owns(runID string) bool {
	if !l.enabled() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.held[runID]
	if !ok || h.lost {
		return false
	}
	// No other process can open an exclusive store, so a renewal that
	// fell behind under load leaves the run with its holder.
	return l.exclusive || time.Now().Before(h.validUntil.Add(-l.margin()))
}

// margin is how long before its lease expires the engine stops writing
// for a run. A write sent just before then may take that long to land
// and still come before any other process can take the run.
func (l *leaser) margin() time.Duration { return l.duration / 5 }

// expired reports whether the lease no longer protects its run: it
// expired more than the margin ago. The holder stopped writing the margin
// before the expiry, so a write it sent then has twice the margin to land
// before the next owner writes.
func (l *leaser) expired(lease *Lease, now time.Time) bool {
	if lease == nil || now.After(lease.ExpiresAt.Add(l.margin())) {
		return true
	}
	if l.exclusive && lease.Holder != l.holder {
		_, live := liveHolders.Load(lease.Holder)
		return !live
	}
	return false
}

// take inserts generation gen of runID. It reports false when another
// process took that generation first.
func (l *leaser) take(ctx context.Context, runID string, gen int64) (bool, error) {
	now := time.Now()
	lease := Lease{RunID: runID, Generation: gen, Holder: l.holder,
		ExpiresAt: now.Add(l.duration).UTC()}
	err := l.store.InsertLease(ctx, lease)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	l.held[runID] = &heldLease{generation: gen, validUntil: now.Add(l.duration)}
	l.mu.Unlock()
	l.log.Debug("lease taken", "run_id", runID, "generation", gen)
	return true, nil
}

// release gives up the lease of a run that stopped executing here. A run
// that ended loses its coordination records at the next poll, in one
// write with the other runs that ended by then. A paused run gets an
// expiry in the past, so the next process takes it at once.
func (l *leaser) release(run *Run) {
	if !l.enabled() {
		return
	}
	l.mu.Lock()
	h, ok := l.held[run.ID]
	delete(l.held, run.ID)
	if ok && !h.lost && run.Status.Ended() {
		l.ended = append(l.ended, run.ID)
	}
	l.mu.Unlock()
	if !ok || h.lost || run.Status.Ended() {
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), l.duration)
	defer cancel()
	expired := Lease{RunID: run.ID, Generation: h.generation, Holder: l.holder,
		ExpiresAt: time.Now().Add(-time.Millisecond).UTC()}
	if err := l.store.RenewLeases(ctx, []Lease{expired}); err != nil {
		l.log.Warn("lease release failed", "run_id", run.ID, "generation", h.generation,
			"error", err)
	}
}

// drop removes the lease of runID from the held set without a write.
func (l *leaser) drop(runID string) {
	l.mu.Lock()
	delete(l.held, runID)
	l.mu.Unlock()
}

// abandon gives up the lease of a run that was never stored and deletes
// its record, so that a later Start with the same id can take it.
func (l *leaser) abandon(ctx context.Context, runID string) {
	l.drop(runID)
	if !l.enabled() {
		return
	}
	if err := l.store.DeleteCoordination(context.WithoutCancel(ctx), []string{runID}); err != nil {
		l.log.Warn("lease of a run not stored left behind", "run_id", runID, "error", err)
	}
}

// startLoop starts the background loop once.
func (l *leaser) startLoop() {
	if !l.enabled() {
		return
	}
	l.start.Do(func() {
		l.running = true
		go l.loop()
	})
}

// removeEnded removes the coordination records of the runs that ended
// here since the last call.
func (l *leaser) removeEnded(ctx context.Context) {
	l.mu.Lock()
	ids := l.ended
	l.ended = nil
	l.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := l.store.DeleteCoordination(ctx, ids); err != nil {
		l.log.Warn("run coordination not removed", "runs", len(ids), "error", err)
	}
}

// shutdown stops the loop, waits for it and removes the records of the
// runs that ended since its last poll. No loop starts afterwards.
func (l *leaser) shutdown() {
	liveHolders.Delete(l.holder)
	l.start.Do(func() {})
	l.stopOnce.Do(func() { close(l.stop) })
	if l.running {
		<-l.done
	}
	if l.enabled() {
		ctx, cancel := context.WithTimeout(context.Background(), l.duration)
		defer cancel()
		l.removeEnded(ctx)
	}
}

// loop renews leases and claims runs every renew interval, and reads
// answers and cancel requests of other processes every poll interval,
// until shutdown.
func (l *leaser) loop() {
	defer close(l.done)
	renew := time.NewTicker(l.renew)
	defer renew.Stop()
	poll := time.NewTicker(l.poll)
	defer poll.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-l.stop
		cancel()
	}()

	for {
		select {
		case <-l.stop:
			return
		case <-renew.C:
			l.pass(ctx)
		case <-poll.C:
			l.e.waits.poll(ctx)
			l.pollCancels(ctx)
			l.removeEnded(ctx)
		}
	}
}

// pass renews the held leases, stops runs whose lease was lost and, once
// Resume was called, claims runs whose lease expired.
func (l *leaser) pass(ctx context.Context) {
	l.renewHeld(ctx)

	ids, err := l.store.ListActiveRuns(ctx)
	if err != nil {
		l.log.Warn("active runs not listed", "error", err)
		return
	}
	latest, err := l.latest(ctx, ids)
	if err != nil {
		l.log.Warn("leases not listed", "error", err)
		return
	}
	l.stopLost(latest)
	if l.claiming.Load() && !l.e.isClosing() {
		l.claimAll(ctx, ids, latest)
	}
}

// renewHeld stores a new expiry for every held lease. A lease whose last
// renewal expired counts as lost, because another process may own the
// run by now, except on an exclusive store.
func (l *leaser) renewHeld(ctx context.Context) {
	start := time.Now()
	l.renewedAt.Store(start.UnixNano())
	l.mu.Lock()
	var leases []Lease
	var expired []string
	for id, h := range l.held {
		switch {
		case h.lost:
		case !l.exclusive && start.After(h.validUntil.Add(-l.margin())):
			h.lost = true
			expired = append(expired, id)
		default:
			leases = append(leases, Lease{RunID: id, Generation: h.generation,
				Holder: l.holder, ExpiresAt: start.Add(l.duration).UTC()})
		}
	}
	l.mu.Unlock()

	for _, id := range expired {
		l.stopRun(id, "lease expired before it was renewed")
	}
	if len(leases) == 0 {
		return
	}
	if err := l.store.RenewLeases(ctx, leases); err != nil {
		l.log.Warn("leases not renewed", "count", len(leases), "error", err)
		return
	}
	l.mu.Lock()
	for _, lease := range leases {
		if h, ok := l.held[lease.RunID]; ok && h.generation == lease.Generation {
			h.validUntil = start.Add(l.duration)
		}
	}
	l.mu.Unlock()
}

// latest returns the highest generation of each of the runs ids.
func (l *leaser) latest(ctx context.Context, ids []string) (map[string]*Lease, error) {
	leases, err := l.store.ListLeases(ctx, ids)
	if err != nil {
		return nil, err
	}
	latest := make(map[string]*Lease, len(leases))
	for i := range leases {
		lease := &leases[i]
		if cur, ok := latest[lease.RunID]; !ok || lease.Generation > cur.Generation {
			latest[lease.RunID] = lease
		}
	}
	return latest, nil
}

// stopLost stops every held run whose latest generation is not ours.
func (l *leaser) stopLost(latest map[string]*Lease) {
	l.mu.Lock()
	var lost []string
	for id, h := range l.held {
		if cur, ok := latest[id]; ok && cur.Generation > h.generation && !h.lost {
			h.lost = true
			lost = append(lost, id)
		}
	}
	l.mu.Unlock()
	for _, id := range lost {
		l.stopRun(id, "another process took a later lease generation")
	}
}

// stopRun cancels the run runID, which stores nothing more.
func (l *leaser) stopRun(runID, reason string) {
	l.log.Warn("run lease lost, stopping run", "run_id", runID, "reason", reason)
	if rs := l.e.lookup(runID); rs != nil {
		rs.cancel(errLeaseLost)
	}
}

// claimAll claims every run of ids that is not executing here and whose
// latest lease expired, and resumes it.
func (l *leaser) claimAll(ctx context.Context, ids []string, latest map[string]*Lease) []error {
	var errs []error
	now := time.Now()
	for _, id := range ids {
		if l.e.lookup(id) != nil || l.holds(id) {
			continue
		}
		cur := latest[id]
		if !l.expired(cur, now) {
			continue
		}
		// A claim can take seconds on a loaded store, so the held leases
		// are renewed between claims when they are due.
		if time.Since(time.Unix(0, l.renewedAt.Load())) >= l.renew {
			l.renewHeld(ctx)
		}
		if err := l.claim(ctx, id, cur); err != nil {
			l.log.Error("run claim failed", "run_id", id, "error", err)
			errs = append(errs, err)
		}
	}
	return errs
}

func (l *leaser) holds(runID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.held[runID]
	return ok
}

// claim takes the generation after cur and resumes the run. A run that
// ended, or whose document was never stored, leaves the active set.
func (l *leaser) claim(ctx context.Context, runID string, cur *Lease) error {
	gen := int64(1)
	if cur != nil {
		gen = cur.Generation + 1
	}
	ok, err := l.take(ctx, runID, gen)
	if err != nil || !ok {
		return err
	}

	run, err := l.e.store.GetRun(ctx, runID)
	switch {
	case err == nil && run.Status.Ended():
		// The previous owner stopped while it stored the end of the run.
		err := l.e.completeEnded(ctx, run)
		l.drop(runID)
		if err != nil {
			return err
		}
		l.cleanup(ctx, runID)
		return nil
	case errors.Is(err, ErrNotFound):
		l.drop(runID)
		l.cleanup(ctx, runID)
		return nil
	case err != nil:
		l.release(&Run{ID: runID, Status: RunRunning})
		return fmt.Errorf("run %q: %w", runID, err)
	}

	l.log.Info("run claimed", "run_id", runID, "generation", gen, "status", run.Status)
	if err := l.e.resumeRun(ctx, run); err != nil {
		l.release(run)
		return err
	}
	return nil
}

// completeEnded finishes storing the end of a run whose owner stored it
// ended but stopped before it removed the run from the active set or
// stored its run.finished event.
func (e *Engine) completeEnded(ctx context.Context, run *Run) error {
	if err := e.store.UpdateRun(ctx, run); err != nil {
		return fmt.Errorf("run %q: store its end: %w", run.ID, err)
	}
	lastSeq, err := e.lastSeq(ctx, run.ID)
	if err != nil {
		return err
	}
	if lastSeq > 0 {
		last, err := e.store.ListEvents(ctx, run.ID, lastSeq-1, 1)
		if err != nil {
			return fmt.Errorf("run %q: read last event: %w", run.ID, err)
		}
		if len(last) == 1 && last[0].Type == EventRunFinished {
			return nil
		}
	}
	data := map[string]any{"status": run.Status}
	if run.Error != "" {
		data["error"] = run.Error
	}
	events := e.newJournal(run.ID, lastSeq)
	if err := events.append(newEvent(EventRunFinished, "", "", data)); err != nil {
		return err
	}
	e.log.Info("run end completed", "run_id", run.ID, "status", run.Status)
	return nil
}

// cleanup removes the active entry and coordination records of a run
// that ended or was never stored.
func (l *leaser) cleanup(ctx context.Context, runID string) {
	if err := l.store.DeleteActiveRun(ctx, runID); err != nil {
		l.log.Warn("active run entry not removed", "run_id", runID, "error", err)
	}
	if err := l.store.DeleteCoordination(ctx, []string{runID}); err != nil {
		l.log.Warn("run coordination not removed", "run_id", runID, "error", err)
	}
}

// pollCancels cancels held runs whose cancel another process requested.
func (l *leaser) pollCancels(ctx context.Context) {
	l.mu.Lock()
	ids := make([]string, 0, len(l.held))
	for id := range l.held {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	requested, err := l.store.ListCancelRequests(ctx, ids)
	if err != nil {
		l.log.Warn("cancel requests not read", "error", err)
		return
	}
	for _, id := range requested {
		if rs := l.e.lookup(id); rs != nil {
			l.log.Info("run cancel requested by another process", "run_id", id)
			rs.cancel(errRunCanceled)
		}
	}
}

// cancelUnowned cancels a stored run that is not executing here. When its
// lease expired, the engine takes the run and marks it canceled itself.
// Otherwise it stores a cancel request for the owner.
func (e *Engine) cancelUnowned(ctx context.Context, run *Run) error {
	l := e.leases
	latest, err := l.latest(ctx, []string{run.ID})
	if err != nil {
		return fmt.Errorf("run %q: list leases: %w", run.ID, err)
	}
	cur := latest[run.ID]
	if l.expired(cur, time.Now()) {
		gen := int64(1)
		if cur != nil {
			gen = cur.Generation + 1
		}
		ok, err := l.take(ctx, run.ID, gen)
		if err != nil {
			return fmt.Errorf("run %q: take lease: %w", run.ID, err)
		}
		if ok {
			return e.cancelTaken(ctx, run.ID)
		}
	}

	err = l.store.InsertCancelRequest(ctx, run.ID, e.cfg.ProcessID)
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("run %q: cancel already requested: %w", run.ID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("run %q: request cancel: %w", run.ID, err)
	}
	owner := ""
	if cur != nil {
		owner = cur.Holder
	}
	e.log.Info("run cancel requested", "run_id", run.ID, "owner", owner)
	return nil
}

// cancelTaken cancels a run whose lease the engine just took, then
// releases the lease.
func (e *Engine) cancelTaken(ctx context.Context, runID string) error {
	run, err := e.store.GetRun(ctx, runID)
	if err != nil {
		e.leases.release(&Run{ID: runID, Status: RunRunning})
		return fmt.Errorf("run %q: %w", runID, err)
	}
	defer e.leases.release(run)
	if run.Status.Ended() {
		return fmt.Errorf("run %q: already %s: %w", runID, run.Status, ErrConflict)
	}
	return e.cancelStored(ctx, run)
}

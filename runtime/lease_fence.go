package runtime

import (
	"context"
	"fmt"
)

// fencedStore refuses the writes of a run whose lease the engine does not
// hold, so a process that lost a run cannot overwrite its new owner.
//
// NOTE: the check uses the local clock before the write is sent, so a
// write delayed past the lease expiry can still land. Lease durations
// much longer than a store round trip keep that window small. An event of
// the previous owner that lands that way takes a seq the new owner was
// about to use, and the new owner's journal numbers its events after it.
type fencedStore struct {
	Store
	leases *leaser
}

func (s fencedStore) check(runID string) error {
	if !s.leases.owns(runID) {
		return fmt.Errorf("run %q: %w", runID, errLeaseLost)
	}
	return nil
}

func (s fencedStore) InsertRun(ctx context.Context, run *Run) error {
	if err := s.check(run.ID); err != nil {
		return err
	}
	return s.Store.InsertRun(ctx, run)
}

func (s fencedStore) UpdateRun(ctx context.Context, run *Run) error {
	if err := s.check(run.ID); err != nil {
		return err
	}
	return s.Store.UpdateRun(ctx, run)
}

func (s fencedStore) SaveStep(ctx context.Context, step *Step) error {
	if err := s.check(step.RunID); err != nil {
		return err
	}
	return s.Store.SaveStep(ctx, step)
}

func (s fencedStore) AppendEvents(ctx context.Context, events []Event) error {
	for _, ev := range events {
		if err := s.check(ev.RunID); err != nil {
			return err
		}
	}
	return s.Store.AppendEvents(ctx, events)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/store"
)

// actionSyncInterval is how often a server that shares its database with
// other processes reads the stored actions, to register the versions they
// published and the deprecations they made.
const actionSyncInterval = 10 * time.Second

// syncActionsEvery runs syncActions every interval until ctx ends.
func syncActionsEvery(ctx context.Context, st *store.Store, registry *actions.Registry,
	interval time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		added, err := syncActions(ctx, st, registry)
		if err != nil && ctx.Err() == nil {
			log.Warn("stored actions not read", "component", "main", "error", err)
		}
		if added > 0 {
			log.Info("actions published elsewhere registered", "component", "main", "count", added)
		}
	}
}

// syncActions registers the stored versions that registry lacks and
// copies the stored deprecations into it. It returns how many versions it
// registered. A stored version whose module differs from the registered
// one, such as a bundled action of another build, keeps the registered
// one.
func syncActions(ctx context.Context, st *store.Store, registry *actions.Registry) (int, error) {
	stored, err := st.ListActions(ctx)
	if err != nil {
		return 0, fmt.Errorf("list actions: %w", err)
	}
	added := 0
	var errs []error
	for _, a := range stored {
		ref := a.Manifest.Ref()
		cur, ok := registry.Lookup(ref)
		switch {
		case !ok:
			if err := registry.Add(a); err != nil {
				errs = append(errs, fmt.Errorf("register action %s: %w", ref, err))
				continue
			}
			added++
		case a.Deprecated != nil && cur.SHA256 == a.SHA256 &&
			(cur.Deprecated == nil || !cur.Deprecated.At.Equal(a.Deprecated.At)):
			if err := registry.Deprecate(ref, *a.Deprecated); err != nil {
				errs = append(errs, fmt.Errorf("deprecate action %s: %w", ref, err))
			}
		}
	}
	return added, errors.Join(errs...)
}

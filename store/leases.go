package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

var _ runtime.LeaseStore = (*Store)(nil)

// leaseDoc is one generation of a run's lease. It is inserted once and
// never updated, so the unique _id "<run id>:<generation>" decides who
// owns the generation.
type leaseDoc struct {
	ID         string    `bson:"_id"`
	RunID      string    `bson:"run_id"`
	Generation int64     `bson:"generation"`
	Holder     string    `bson:"holder"`
	TakenAt    time.Time `bson:"taken_at"`
	ExpiresAt  time.Time `bson:"expires_at"` // expiry when taken
}

// renewalDoc is one renewal of a lease generation. Only the holder of the
// generation writes it. Each renewal is a new document, because embedded
// FerretDB scans the whole collection to replace one, and the renewal
// written last, by RenewedAt, counts.
type renewalDoc struct {
	ID        string    `bson:"_id"`
	LeaseID   string    `bson:"lease_id"`
	RunID     string    `bson:"run_id"`
	ExpiresAt time.Time `bson:"expires_at"`
	RenewedAt int64     `bson:"renewed_at"` // Unix nanoseconds of the write
}

// activeDoc is the part of a run in active_runs that the lease loop
// reads. active_runs holds the runs that have not ended, and the runs
// collection the ones that ended.
type activeDoc struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
}

func leaseID(runID string, generation int64) string {
	return fmt.Sprintf("%s:%d", runID, generation)
}

// InsertLease takes generation lease.Generation of lease.RunID for
// lease.Holder. A generation that is already taken is runtime.ErrConflict.
func (s *Store) InsertLease(ctx context.Context, lease runtime.Lease) error {
	doc := leaseDoc{
		ID:         leaseID(lease.RunID, lease.Generation),
		RunID:      lease.RunID,
		Generation: lease.Generation,
		Holder:     lease.Holder,
		TakenAt:    time.Now().UTC(),
		ExpiresAt:  lease.ExpiresAt,
	}
	if err := s.leaseWriter.insert(ctx, []any{doc}); err != nil {
		return wrapErr(err, "run %q: take lease generation %d", lease.RunID, lease.Generation)
	}
	return nil
}

// RenewLeases sets the expiry of each lease in one insert. Only the holder
// of a generation calls it for that generation.
func (s *Store) RenewLeases(ctx context.Context, leases []runtime.Lease) error {
	if len(leases) == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	docs := make([]any, len(leases))
	for i, l := range leases {
		id := leaseID(l.RunID, l.Generation)
		docs[i] = renewalDoc{ID: fmt.Sprintf("%s:%d", id, now), LeaseID: id, RunID: l.RunID,
			ExpiresAt: l.ExpiresAt, RenewedAt: now}
	}
	// A renewal that an earlier try stored is a duplicate key, which the
	// unordered insert skips.
	opts := options.InsertMany().SetOrdered(false)
	err := retryBusy(ctx, func() error {
		_, err := s.renewals.InsertMany(ctx, docs, opts)
		if err != nil && mongo.IsDuplicateKeyError(err) && !isBusy(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("renew %d leases: %w", len(leases), err)
	}
	return nil
}

// ListLeases returns every stored lease generation of the runs runIDs,
// with the expiry of its latest renewal, ordered by run and generation.
func (s *Store) ListLeases(ctx context.Context, runIDs []string) ([]runtime.Lease, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "run_id", Value: bson.D{{Key: "$in", Value: runIDs}}}}
	opts := options.Find().SetSort(bson.D{{Key: "run_id", Value: 1}, {Key: "generation", Value: 1}})
	docs, err := findAll[leaseDoc](ctx, s.leases, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list leases of %d runs: %w", len(runIDs), err)
	}
	renewals, err := findAll[renewalDoc](ctx, s.renewals, filter, options.Find())
	if err != nil {
		return nil, fmt.Errorf("list lease renewals of %d runs: %w", len(runIDs), err)
	}
	latest := make(map[string]renewalDoc, len(renewals))
	for _, r := range renewals {
		if prev, ok := latest[r.LeaseID]; !ok || r.RenewedAt > prev.RenewedAt {
			latest[r.LeaseID] = r
		}
	}

	leases := make([]runtime.Lease, len(docs))
	for i, d := range docs {
		leases[i] = runtime.Lease{RunID: d.RunID, Generation: d.Generation, Holder: d.Holder,
			ExpiresAt: d.ExpiresAt}
		if r, ok := latest[d.ID]; ok {
			leases[i].ExpiresAt = r.ExpiresAt
		}
	}
	return leases, nil
}

// DeleteCoordination removes what coordinated the runs runIDs while they
// ran: every lease generation and renewal, their timers and their cancel
// requests, with one delete per collection, because embedded FerretDB
// reads a whole collection for each delete that does not name one _id.
// The runtime calls it after the runs ended.
func (s *Store) DeleteCoordination(ctx context.Context, runIDs []string) error {
	if len(runIDs) == 0 {
		return nil
	}
	in := bson.D{{Key: "$in", Value: runIDs}}
	for _, coll := range []*mongo.Collection{s.renewals, s.leases, s.timers} {
		if _, err := coll.DeleteMany(ctx, bson.D{{Key: "run_id", Value: in}}); err != nil {
			return wrapErr(err, "%d runs: delete %s", len(runIDs), coll.Name())
		}
	}
	if _, err := s.cancels.DeleteMany(ctx, bson.D{{Key: "_id", Value: in}}); err != nil {
		return wrapErr(err, "%d runs: delete cancel requests", len(runIDs))
	}
	return nil
}

// ListActiveRuns returns the ids of runs in active_runs, oldest first.
// InsertRun adds a run that has not ended and UpdateRun removes it when
// the run ends. An entry whose run ended in a crash may remain, and
// callers remove it with DeleteActiveRun.
func (s *Store) ListActiveRuns(ctx context.Context) ([]string, error) {
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "created_at", Value: 1}})
	docs, err := findAll[activeDoc](ctx, s.active, bson.D{}, opts)
	if err != nil {
		return nil, fmt.Errorf("list active runs: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// DeleteActiveRun removes runID from the active set. The runtime calls it
// for an entry whose run ended or was never stored.
func (s *Store) DeleteActiveRun(ctx context.Context, runID string) error {
	_, err := s.deleteActive(ctx, runID)
	return err
}

// deleteActive removes runID from the active set and reports whether it
// was there.
func (s *Store) deleteActive(ctx context.Context, runID string) (bool, error) {
	var res *mongo.DeleteResult
	err := retryBusy(ctx, func() (err error) {
		res, err = s.active.DeleteOne(ctx, bson.D{{Key: "_id", Value: runID}})
		return err
	})
	if err != nil {
		return false, wrapErr(err, "run %q: leave active set", runID)
	}
	return res.DeletedCount > 0, nil
}

// InsertCancelRequest records that runID should be canceled. The process
// that owns the run reads it and cancels the run. A second request for the
// same run is runtime.ErrConflict.
func (s *Store) InsertCancelRequest(ctx context.Context, runID, by string) error {
	doc := bson.D{{Key: "_id", Value: runID}, {Key: "by", Value: by},
		{Key: "at", Value: time.Now().UTC()}}
	if _, err := s.cancels.InsertOne(ctx, doc); err != nil {
		return wrapErr(err, "run %q: request cancel", runID)
	}
	return nil
}

// ListCancelRequests returns the ids among runIDs whose cancel was
// requested.
func (s *Store) ListCancelRequests(ctx context.Context, runIDs []string) ([]string, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: runIDs}}}}
	docs, err := findAll[activeDoc](ctx, s.cancels, filter, options.Find())
	if err != nil {
		return nil, fmt.Errorf("list cancel requests: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

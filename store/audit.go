package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Outcomes of an audited request.
const (
	AuditSuccess = "success" // the change was made
	AuditDenied  = "denied"  // the caller's role or CSRF token was rejected
	AuditFailure = "failure" // the request failed for another reason
)

// AuditEntry records one state-changing request: who made it, with which
// role, what it did to which object, and how it ended. It never contains a
// secret value or a token.
type AuditEntry struct {
	// ID orders entries by time: 16 hex digits of Time in Unix nanoseconds
	// and 8 random hex digits. InsertAuditEntry sets it.
	ID      string    `bson:"_id" json:"id"`
	Time    time.Time `bson:"time" json:"time"`
	Actor   string    `bson:"actor" json:"actor"`     // token name, or empty for a failed sign-in
	Role    string    `bson:"role" json:"role"`       // the actor's role at the time
	Action  string    `bson:"action" json:"action"`   // such as "playbook.update"
	Target  string    `bson:"target" json:"target"`   // such as "playbook:triage-x1"
	Outcome string    `bson:"outcome" json:"outcome"` // AuditSuccess, AuditDenied or AuditFailure
}

// AuditFilter selects a page of ListAuditEntries.
type AuditFilter struct {
	Before string // entry ID that every listed ID sorts before; empty starts at the newest
	Limit  int    // maximum number of entries, or no limit when zero or less
}

// auditIDPattern matches the IDs that InsertAuditEntry generates.
var auditIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// ValidAuditID reports whether id has the form of an audit entry ID, so
// that a caller can reject a malformed paging cursor.
func ValidAuditID(id string) bool { return auditIDPattern.MatchString(id) }

// auditIDPrefix returns the part of an audit entry ID that encodes t.
// Every ID generated for a time before t sorts before it.
func auditIDPrefix(t time.Time) string {
	return fmt.Sprintf("%016x", t.UnixNano())
}

func newAuditID(t time.Time) (string, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return auditIDPrefix(t) + hex.EncodeToString(suffix), nil
}

// InsertAuditEntry stores e and sets its ID. A zero Time becomes the
// current time.
func (s *Store) InsertAuditEntry(ctx context.Context, e *AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	id, err := newAuditID(e.Time)
	if err != nil {
		return fmt.Errorf("insert audit entry %q: %w", e.Action, err)
	}
	e.ID = id
	if err := insertBusy(ctx, s.audit, bson.D{{Key: "_id", Value: id}}, e); err != nil {
		return wrapErr(err, "insert audit entry %q", e.Action)
	}
	return nil
}

// ListAuditEntries returns the entries that f selects, newest first.
func (s *Store) ListAuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	filter := bson.D{}
	if f.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: f.Before}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	entries, err := findAll[AuditEntry](ctx, s.audit, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return entries, nil
}

// DeleteAuditEntriesBefore removes the entries older than cutoff, at most
// batch of them per delete command, and returns how many it removed. Small
// batches keep each command short, so that requests writing new entries
// in the meantime do not wait long behind it. A batch of zero or less
// means 1,000.
func (s *Store) DeleteAuditEntriesBefore(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = 1000
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: auditIDPrefix(cutoff)}}}}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(batch)).SetProjection(bson.D{{Key: "_id", Value: 1}})

	var deleted int64
	for {
		docs, err := findAll[struct {
			ID string `bson:"_id"`
		}](ctx, s.audit, filter, opts)
		if err != nil {
			return deleted, fmt.Errorf("delete audit entries before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		if len(docs) == 0 {
			return deleted, nil
		}
		ids := make([]string, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		res, err := s.audit.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return deleted, fmt.Errorf("delete audit entries before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		deleted += res.DeletedCount
		if len(docs) < batch {
			return deleted, nil
		}
	}
}

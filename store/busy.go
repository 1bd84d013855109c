package store

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// busyAttempts is how often a write that hit a locked SQLite database is
// tried in all.
const busyAttempts = 8

// isBusy reports whether err is FerretDB's SQLite backend reporting that
// the write waited longer than its busy timeout (10 s in FerretDB v1.24.2)
// for SQLite's one write lock. It happens under many concurrent writes,
// such as several processes writing to one standalone FerretDB, and the
// write did not happen.
func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") ||
		strings.Contains(err.Error(), "database is locked"))
}

// retryBusy runs write until it succeeds, fails with an error other than a
// locked database, or was tried busyAttempts times. write must be safe to
// repeat, such as a replace by _id.
func retryBusy(ctx context.Context, write func() error) error {
	wait := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := write()
		if !isBusy(err) || attempt == busyAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// insertBusy inserts doc and retries while the database is locked. A
// retry that finds a document matching mine, which names the _id and what
// only this caller writes, counts as success, so a lock reported after
// the write does not turn into a duplicate key.
func insertBusy(ctx context.Context, coll *mongo.Collection, mine bson.D, doc any) error {
	first := true
	return retryBusy(ctx, func() error {
		if !first {
			n, err := coll.CountDocuments(ctx, mine)
			if err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		first = false
		_, err := coll.InsertOne(ctx, doc)
		return err
	})
}

// ownedDoc is a document that returns the filter matching it and no
// document of a concurrent writer: its _id, and for a lease its holder.
type ownedDoc interface {
	mine() bson.D
}

func (d runDoc) mine() bson.D     { return bson.D{{Key: "_id", Value: d.ID}} }
func (d payloadDoc) mine() bson.D { return bson.D{{Key: "_id", Value: d.ID}} }
func (d leaseDoc) mine() bson.D {
	return bson.D{{Key: "_id", Value: d.ID}, {Key: "holder", Value: d.Holder}}
}

// insertAlone returns the function that inserts a request's owned
// documents one at a time with insertBusy, for a groupWriter whose batch
// failed as a whole.
func insertAlone(coll *mongo.Collection) func(ctx context.Context, docs []any) error {
	return func(ctx context.Context, docs []any) error {
		for _, doc := range docs {
			if err := insertBusy(ctx, coll, doc.(ownedDoc).mine(), doc); err != nil {
				return err
			}
		}
		return nil
	}
}

// Package store persists runs, playbooks, actions and credentials in
// MongoDB, or in FerretDB embedded in the process when no MongoDB URI is
// given. It uses only operations that behave the same on both: no
// transactions, no read-modify-write updates, and unique-index inserts as the
// one atomic primitive.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// Config selects the database. The zero value starts embedded FerretDB in
// ./data with database "updraft".
type Config struct {
	URI      string       // MongoDB URI; empty starts embedded FerretDB
	DataDir  string       // embedded mode: SQLite files and lock; default "./data"
	Database string       // default "updraft"
	Logger   *slog.Logger // default slog.Default()
}

// Defaults for the zero Config.
const (
	DefaultDataDir  = "./data"
	DefaultDatabase = "updraft"
)

// Store is the MongoDB persistence of Updraft. It is safe for concurrent
// use. Times of runs, steps, events and credentials are stored as BSON
// dates, so they come back in UTC with millisecond precision. Playbooks
// are stored as JSON and keep their times exactly.
type Store struct {
	log      *slog.Logger
	client   *mongo.Client
	db       *mongo.Database
	embedded *embeddedServer // nil with a MongoDB URI
	describe string

	runs, steps, events *mongo.Collection
	playbooks, heads    *mongo.Collection
	webhooks            *mongo.Collection
	tokens, sessions    *mongo.Collection
	audit               *mongo.Collection
	actions             *mongo.Collection
	modules             *mongo.GridFSBucket

	// payloads holds each run's trigger and inputs, apart from the small
	// run documents that lists read. See runs.go.
	payloads *mongo.Collection
	// spans keeps the page bounds of runs' events; see pagechain.go.
	spans *spanCache
	// versions keeps playbook versions read before; see playbooks.go.
	versions *versionCache
	// The writers group the inserts of concurrent runs.
	eventWriter, stepWriter, payloadWriter, activeWriter, runWriter, leaseWriter *groupWriter

	// Run coordination: see leases.go, approvals.go and timers.go.
	active, leases, renewals, cancels *mongo.Collection
	approvals, answers, timers        *mongo.Collection
}

// Open connects to the database that cfg names and creates the indexes.
// With an empty URI it takes an exclusive lock on the data directory and
// starts FerretDB in the process. When another process or another Store
// holds the lock, Open fails at once with an error wrapping ErrLocked.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if cfg.URI != "" {
		return open(ctx, cfg)
	}
	// The _id indexes must exist before FerretDB starts; see indexIDs. A
	// new data directory, or a new collection after an upgrade, gets its
	// tables from the first start, and the store then starts again.
	path := filepath.Join(cfg.DataDir, cfg.Database+".sqlite")
	if _, err := indexIDs(ctx, path); err != nil {
		return nil, err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	added, err := indexIDs(ctx, path)
	if err != nil || added == 0 {
		if err != nil {
			s.Close(context.WithoutCancel(ctx))
			return nil, err
		}
		return s, nil
	}
	s.log.Info("embedded database restarting to use new indexes", "indexes", added)
	if err := s.Close(ctx); err != nil {
		return nil, fmt.Errorf("restart after indexing: %w", err)
	}
	return open(ctx, cfg)
}

// open connects to the database of cfg, or starts it embedded, and
// creates the collections and indexes.
func open(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{log: cfg.Logger.With("component", "store")}

	uri := cfg.URI
	if uri == "" {
		e, err := startEmbedded(cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.uri
		s.describe = fmt.Sprintf("embedded FerretDB %s in %s", ferretDBVersion, cfg.DataDir)
	}

	if err := s.connect(ctx, uri, cfg.Database); err != nil {
		s.stopEmbedded()
		return nil, err
	}
	if s.describe == "" {
		s.describe = describeServer(ctx, s.client, uri)
	}

	if err := s.createIndexes(ctx); err != nil {
		s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.dropUnusedIndexes(ctx); err != nil {
		s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if s.embedded != nil {
		if err := s.createCollections(ctx); err != nil {
			s.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	s.log.Info("store opened", "database", s.describe)
	return s, nil
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// connect opens the client, pings the server and sets the collection
// handles.
func (s *Store) connect(ctx context.Context, uri, database string) error {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return fmt.Errorf("connect to database: %w", err)
	}

	s.client = client
	s.db = client.Database(database)
	s.runs = s.db.Collection("runs")
	s.payloads = s.db.Collection("run_payloads")
	s.steps = s.db.Collection("steps")
	s.events = s.db.Collection("event_pages")
	s.playbooks = s.db.Collection("playbooks")
	s.heads = s.db.Collection("playbook_heads")
	s.webhooks = s.db.Collection("webhooks")
	s.tokens = s.db.Collection("tokens")
	s.sessions = s.db.Collection("sessions")
	s.audit = s.db.Collection("audit_log")
	s.actions = s.db.Collection("actions")
	s.modules = s.db.GridFSBucket(options.GridFSBucket().SetName("modules"))
	s.active = s.db.Collection("active_runs")
	s.leases = s.db.Collection("leases")
	s.renewals = s.db.Collection("lease_renewals")
	s.cancels = s.db.Collection("cancel_requests")
	s.approvals = s.db.Collection("approvals")
	s.answers = s.db.Collection("approval_answers")
	s.timers = s.db.Collection("timers")
	s.spans = newSpanCache()
	s.versions = newVersionCache()
	s.eventWriter = newGroupWriter(s.events, s.insertEventsAlone)
	s.stepWriter = newGroupWriter(s.steps, s.insertStepsAlone)
	s.payloadWriter = newGroupWriter(s.payloads, insertAlone(s.payloads))
	s.activeWriter = newGroupWriter(s.active, insertAlone(s.active))
	s.runWriter = newGroupWriter(s.runs, insertAlone(s.runs))
	s.leaseWriter = newGroupWriter(s.leases, insertAlone(s.leases))
	return nil
}

// describeServer returns "MongoDB 7.0.14 at host:port" or, when the server
// reports FerretDB in buildInfo, "FerretDB v1.24.2 at host:port". It never
// includes the URI's credentials.
func describeServer(ctx context.Context, client *mongo.Client, uri string) string {
	hosts := "unknown host"
	if cs, err := connstring.Parse(uri); err == nil && len(cs.Hosts) > 0 {
		hosts = strings.Join(cs.Hosts, ",")
	}

	var info struct {
		Version         string `bson:"version"`
		FerretDBVersion string `bson:"ferretdbVersion"`
	}
	cmd := bson.D{{Key: "buildInfo", Value: 1}}
	err := client.Database("admin").RunCommand(ctx, cmd).Decode(&info)
	switch {
	case err != nil:
		return "MongoDB at " + hosts
	case info.FerretDBVersion == "unknown":
		return "FerretDB at " + hosts // embedded FerretDB reports no version
	case info.FerretDBVersion != "":
		return "FerretDB " + info.FerretDBVersion + " at " + hosts
	}
	return "MongoDB " + info.Version + " at " + hosts
}

// Close writes the event and step inserts already queued, disconnects from
// the database and, in embedded mode, stops FerretDB and releases the data
// directory lock. Writes sent after Close fail.
func (s *Store) Close(ctx context.Context) error {
	for _, w := range []*groupWriter{s.eventWriter, s.stepWriter, s.payloadWriter,
		s.activeWriter, s.runWriter, s.leaseWriter} {
		w.close()
	}
	err := s.client.Disconnect(ctx)
	s.stopEmbedded()
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	s.log.Info("store closed")
	return nil
}

func (s *Store) stopEmbedded() {
	if s.embedded != nil {
		s.embedded.stop()
		s.embedded = nil
	}
}

// Describe returns a one-line description of the database for logs and the
// status page, such as "embedded FerretDB v1.24.2 in ./data" or "MongoDB
// 7.0.14 at db1:27017". It never includes credentials.
func (s *Store) Describe() string { return s.describe }

// Embedded reports whether the store runs FerretDB in this process.
func (s *Store) Embedded() bool { return s.embedded != nil }

// dropUnusedIndexes drops the indexes that older versions created on
// run_id in steps, run_payloads and event_pages. The store reads those
// collections by _id only, and each index costs time on every insert.
func (s *Store) dropUnusedIndexes(ctx context.Context) error {
	for coll, name := range map[*mongo.Collection]string{
		s.steps:    "run_id_1",
		s.payloads: "run_id_1",
		s.events:   "run_id_1_first_1",
	} {
		err := coll.Indexes().DropOne(ctx, name)
		var cmdErr mongo.CommandError
		missing := errors.As(err, &cmdErr) &&
			(cmdErr.Code == codeIndexNotFound || cmdErr.Code == codeNamespaceNotFound)
		if err != nil && !missing {
			return fmt.Errorf("drop index %s of %s: %w", name, coll.Name(), err)
		}
	}
	return nil
}

// Server error codes of a dropIndexes command for an index or a
// collection that does not exist.
const (
	codeNamespaceNotFound = 26
	codeIndexNotFound     = 27
)

// createIndexes creates every collection's indexes. Creating an existing
// index is a no-op, so Open calls it each time. Each index gets its own
// createIndexes command because FerretDB v1.24.2 panics on a command that
// lists two or more indexes that already exist.
func (s *Store) createIndexes(ctx context.Context) error {
	for coll, models := range map[*mongo.Collection][]mongo.IndexModel{
		s.runs: {
			{Keys: bson.D{{Key: "playbook_id", Value: 1}, {Key: "created_at", Value: -1}}},
			{Keys: bson.D{{Key: "status", Value: 1}}},
			{Keys: bson.D{{Key: "created_at", Value: -1}}},
		},
		s.playbooks: {{
			Keys:    bson.D{{Key: "id", Value: 1}, {Key: "version", Value: 1}},
			Options: options.Index().SetUnique(true),
		}},
		s.webhooks: {{Keys: bson.D{{Key: "playbook_id", Value: 1}}}},
		s.tokens: {{
			Keys:    bson.D{{Key: "id", Value: 1}},
			Options: options.Index().SetUnique(true),
		}},
		s.leases:   {{Keys: bson.D{{Key: "run_id", Value: 1}}}},
		s.renewals: {{Keys: bson.D{{Key: "run_id", Value: 1}}}},
		s.timers:   {{Keys: bson.D{{Key: "run_id", Value: 1}}}},
		s.approvals: {
			{Keys: bson.D{{Key: "status", Value: 1}}},
			{Keys: bson.D{{Key: "run_id", Value: 1}}},
		},
	} {
		for _, model := range models {
			if _, err := coll.Indexes().CreateOne(ctx, model); err != nil {
				return fmt.Errorf("create indexes of %s: %w", coll.Name(), err)
			}
		}
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	"go.mongodb.org/mongo-driver/v2/mongo"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1.24.2 stores a collection as a SQLite table with one JSON
// column. It serves a filter on _id alone with
// WHERE _ferretdb_sjson->'$._id' = ?, but its own index on _id is built
// on another expression, so SQLite reads the whole table for every find,
// replace and delete by _id. indexIDs adds the index that expression
// needs, which turns those reads into index lookups. FerretDB does not
// know of the index and never uses it for anything else; SQLite keeps it
// up to date on every write.
const (
	ferretCollections = "_ferretdb_collections" // FerretDB's table of collections
	ferretIDExpr      = `_ferretdb_sjson->'$._id'`
	idIndexSuffix     = "_updraft_id"
)

// createCollections creates every collection the store uses, so that each
// has its table.
func (s *Store) createCollections(ctx context.Context) error {
	for _, coll := range s.collections() {
		err := s.db.CreateCollection(ctx, coll.Name())
		var cmdErr mongo.CommandError
		if err != nil && !(errors.As(err, &cmdErr) && cmdErr.Name == "NamespaceExists") {
			return fmt.Errorf("create collection %s: %w", coll.Name(), err)
		}
	}
	return nil
}

// indexIDs adds the _id lookup index to each table of the SQLite file
// path that lacks it, and returns how many it added. FerretDB's open
// connections keep the query plans they made before, so the indexes serve
// a FerretDB started after they were added. A missing file is no error.
func indexIDs(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	dsn := (&url.URL{Scheme: "file", Opaque: path,
		RawQuery: "_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()

	q := "SELECT c.table_name FROM " + ferretCollections + " c WHERE NOT EXISTS " +
		"(SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || ?)"
	rows, err := db.QueryContext(ctx, q, idIndexSuffix)
	if err != nil {
		return 0, fmt.Errorf("list tables of %s: %w", path, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list tables of %s: %w", path, err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("list tables of %s: %w", path, err)
	}

	for _, t := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %q ON %q (%s)", t+idIndexSuffix, t, ferretIDExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("index _id of table %s: %w", t, err)
		}
	}
	return len(tables), nil
}

// collections returns every collection of the store, those of GridFS
// included.
func (s *Store) collections() []*mongo.Collection {
	return []*mongo.Collection{
		s.runs, s.steps, s.events, s.playbooks, s.heads, s.webhooks, s.tokens, s.sessions,
		s.audit, s.actions, s.payloads, s.active, s.leases, s.renewals, s.cancels,
		s.approvals, s.answers, s.timers,
		s.db.Collection("modules.files"), s.db.Collection("modules.chunks"),
	}
}

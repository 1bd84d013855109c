package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/mod/modfile"
)

// lockChildEnv makes the test binary try to open the data directory it
// names and exit, so a test can check the lock across processes.
const lockChildEnv = "UPDRAFT_STORE_TEST_LOCK_CHILD"

// Exit codes of the lock child.
const (
	childLocked   = 3
	childUnlocked = 4
)

// testServer is the package's embedded FerretDB, started by TestMain.
var testServer struct {
	dir   string
	store *Store
}

// backend is a server the tests run against.
type backend struct {
	name string
	uri  string
}

var backends []backend

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockChildEnv); dir != "" {
		os.Exit(runLockChild(dir))
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "updraft-store-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir, Logger: discardLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close(ctx)

	testServer.dir, testServer.store = dir, s
	backends = append(backends, backend{name: "ferretdb", uri: s.embedded.uri})
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		backends = append(backends, backend{name: "mongodb", uri: uri})
	}
	return m.Run()
}

// runLockChild opens dir in embedded mode and returns childLocked when
// that fails with ErrLocked.
func runLockChild(dir string) int {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir, Logger: discardLogger()})
	if err == nil {
		s.Close(ctx)
		return childUnlocked
	}
	fmt.Print(err)
	if errors.Is(err, ErrLocked) {
		return childLocked
	}
	return 1
}

func discardLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// forEachBackend runs test against a fresh database on every backend.
func forEachBackend(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			test(t, openTestStore(t, b.uri))
		})
	}
}

// openTestStore opens a store on a new database of the server at uri and
// drops the database when the test ends.
func openTestStore(t *testing.T, uri string) *Store {
	t.Helper()
	name := make([]byte, 6)
	rand.Read(name)
	cfg := Config{URI: uri, Database: "test_" + hex.EncodeToString(name), Logger: discardLogger()}
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := s.db.Drop(ctx); err != nil {
			t.Errorf("drop database: %v", err)
		}
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// ms returns t as the store returns it: UTC, in whole milliseconds.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func TestOpen_SameDataDirIsLocked(t *testing.T) {
	_, err := Open(t.Context(), Config{DataDir: testServer.dir, Logger: discardLogger()})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("data directory %q is in use by another updraft process (pid %d); "+
		"stop it or pass another --data-dir", testServer.dir, os.Getpid())
	if err.Error() != want {
		t.Errorf("second Open error:\n got %q\nwant %q", err, want)
	}
}

func TestOpen_LockedFromOtherProcess(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+testServer.dir)
	out, err := cmd.Output()

	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != childLocked {
		t.Fatalf("child Open: got %v, output %q; want exit code %d", err, out, childLocked)
	}
	wantPID := fmt.Sprintf("(pid %d)", os.Getpid())
	if !strings.Contains(string(out), wantPID) {
		t.Errorf("child error %q does not name %s", out, wantPID)
	}
}

func TestOpen_LongDataDirKeepsDataAfterReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if len(dir) <= maxSocketPath {
		t.Fatalf("data directory %q is too short for this test", dir)
	}
	cfg := Config{DataDir: dir, Logger: discardLogger()}

	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !s.Embedded() {
		t.Errorf("Embedded() = false, want true")
	}
	wantDescribe := "embedded FerretDB v1.24.2 in " + dir
	if got := s.Describe(); got != wantDescribe {
		t.Errorf("Describe() = %q, want %q", got, wantDescribe)
	}
	token := &Token{ID: "t1", Name: "ci", Role: "admin", Hash: "h1", CreatedAt: time.Now()}
	if err := s.InsertToken(t.Context(), token); err != nil {
		t.Fatalf("InsertToken: %v", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Close releases the lock, so a second Open of the same directory works
	// and finds the token.
	s, err = Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	defer s.Close(t.Context())
	if _, err := s.GetTokenByHash(t.Context(), "h1"); err != nil {
		t.Errorf("GetTokenByHash after reopen: %v", err)
	}
}

func TestOpen_URIStoreIsNotEmbedded(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	if s.Embedded() {
		t.Errorf("Embedded() = true for a store opened by URI")
	}
	if got, want := s.Describe(), "FerretDB at "; !strings.HasPrefix(got, want) {
		t.Errorf("Describe() = %q, want prefix %q", got, want)
	}
}

func TestDescribeServer_HidesCredentials(t *testing.T) {
	s := testServer.store
	uri := "mongodb://admin:s3cret@db1.internal:27017,db2.internal:27017/?replicaSet=rs0"
	got := describeServer(t.Context(), s.client, uri)

	want := "FerretDB at db1.internal:27017,db2.internal:27017"
	if got != want {
		t.Errorf("describeServer = %q, want %q", got, want)
	}
	if strings.Contains(got, "s3cret") || strings.Contains(got, "admin") {
		t.Errorf("describeServer = %q contains credentials", got)
	}
}

func TestOpen_IndexesAreIdempotent(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	if err := s.createIndexes(t.Context()); err != nil {
		t.Fatalf("second createIndexes: %v", err)
	}

	specs, err := s.playbooks.Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatalf("list playbook indexes: %v", err)
	}
	var unique bool
	for _, spec := range specs {
		if spec.Name == "id_1_version_1" && spec.Unique != nil && *spec.Unique {
			unique = true
		}
	}
	if !unique {
		t.Errorf("playbooks have no unique id_1_version_1 index: %+v", specs)
	}
}

// countDocs counts the documents of coll that match filter.
func countDocs(t *testing.T, coll *mongo.Collection, filter any) int64 {
	t.Helper()
	n, err := coll.CountDocuments(t.Context(), filter, options.Count())
	if err != nil {
		t.Fatalf("count %s: %v", coll.Name(), err)
	}
	return n
}

func TestFerretDBVersion_MatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatalf("read go.mod: %v", err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatalf("parse go.mod: %v", err)
	}
	for _, req := range f.Require {
		if req.Mod.Path == "github.com/FerretDB/FerretDB" {
			if req.Mod.Version != ferretDBVersion {
				t.Errorf("go.mod requires FerretDB %s, ferretDBVersion is %s",
					req.Mod.Version, ferretDBVersion)
			}
			return
		}
	}
	t.Errorf("go.mod does not require github.com/FerretDB/FerretDB")
}

// TestOpen_EmbeddedIDLookupsUseIndex runs explain on a find by _id in
// embedded FerretDB and checks that SQLite searches the index the store
// adds instead of scanning the table.
func TestOpen_EmbeddedIDLookupsUseIndex(t *testing.T) {
	s, err := Open(t.Context(), Config{DataDir: t.TempDir(), Logger: discardLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	cmd := bson.D{{Key: "explain", Value: bson.D{
		{Key: "find", Value: "active_runs"},
		{Key: "filter", Value: bson.D{{Key: "_id", Value: "r1"}}},
	}}}
	var out struct {
		QueryPlanner struct {
			Plan []string `bson:"Plan"`
		} `bson:"queryPlanner"`
	}
	if err := s.db.RunCommand(t.Context(), cmd).Decode(&out); err != nil {
		t.Fatalf("explain: %v", err)
	}
	plan := strings.Join(out.QueryPlanner.Plan, "; ")
	if !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, idIndexSuffix) {
		t.Errorf("find by _id plan = %q, want a search of the %s index", plan, idIndexSuffix)
	}
}

func TestMinLevelHandler_AppliesAttrsToPassingRecords(t *testing.T) {
	var out strings.Builder
	base := slog.NewTextHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	log := slog.New(minLevelHandler{base: base, min: slog.LevelError}).
		With("component", "ferretdb").WithGroup("conn").With("id", 7)

	log.Warn("command failed")
	if out.Len() != 0 {
		t.Errorf("warn record written: %q", out.String())
	}
	log.Error("listener stopped", "error", "closed")
	want := "level=ERROR msg=\"listener stopped\" component=ferretdb conn.id=7 conn.error=closed\n"
	if out.String() != want {
		t.Errorf("error record = %q, want %q", out.String(), want)
	}
}

func TestOpen_DropsUnusedRunIDIndexes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), Config{DataDir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	old := mongo.IndexModel{Keys: bson.D{{Key: "run_id", Value: 1}}}
	if _, err := s.steps.Indexes().CreateOne(t.Context(), old); err != nil {
		t.Fatalf("create index: %v", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = Open(t.Context(), Config{DataDir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	specs, err := s.steps.Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	for _, spec := range specs {
		if spec.Name == "run_id_1" {
			t.Errorf("steps still has index %s after Open", spec.Name)
		}
	}
}

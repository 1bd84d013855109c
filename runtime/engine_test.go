package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// testStore is one embedded FerretDB shared by the package's tests. Each
// test uses its own playbook ids and run ids, so tests do not see each
// other's documents.
var testStore *store.Store

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "updraft-runtime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create data dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	testStore, err = store.Open(ctx, store.Config{DataDir: dir, Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open store:", err)
		return 1
	}
	defer testStore.Close(ctx)
	defer closeTestHost()
	return m.Run()
}

// waitLimit bounds every wait for a run, so a hung engine fails the test
// instead of stalling the suite.
const waitLimit = time.Minute

// node returns a node of type typ whose settings are settings marshaled to
// JSON.
func node(t *testing.T, id, typ string, settings any) designer.Node {
	t.Helper()
	n := designer.Node{ID: id, Type: typ}
	if settings != nil {
		b, err := json.Marshal(settings)
		if err != nil {
			t.Fatalf("node %q: marshal settings: %v", id, err)
		}
		n.Settings = b
	}
	return n
}

func trigger(t *testing.T) designer.Node {
	return node(t, "start", designer.NodeTrigger,
		designer.TriggerSettings{Kind: designer.TriggerWebhook})
}

func transform(t *testing.T, id string, values map[string]any) designer.Node {
	return node(t, id, designer.NodeTransform, designer.TransformSettings{Values: values})
}

func condition(t *testing.T, id, expression string) designer.Node {
	return node(t, id, designer.NodeCondition, designer.ConditionSettings{Expression: expression})
}

func edge(from, port, to string) designer.Edge {
	return designer.Edge{From: from, Port: port, To: to}
}

// newPlaybook returns version 1 of a playbook whose id is unique to the
// test.
func newPlaybook(t *testing.T, nodes []designer.Node, edges ...designer.Edge) *designer.Playbook {
	t.Helper()
	return &designer.Playbook{
		ID:        testID(t),
		Version:   1,
		Name:      t.Name(),
		Nodes:     nodes,
		Edges:     edges,
		CreatedAt: time.Now().UTC(),
	}
}

// testIDs makes testID unique to each run of a test, because -count
// repeats a test in one process, on one test store.
var testIDs = struct {
	sync.Mutex
	owner map[string]*testing.T // the last test that took each name
	runs  map[string]int        // the tests that took each name
}{owner: map[string]*testing.T{}, runs: map[string]int{}}

// testID returns the lowercase name of the test, with a suffix from its
// second run on, for the ids of the documents that the test stores.
func testID(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(t.Name()))
	testIDs.Lock()
	defer testIDs.Unlock()
	if testIDs.owner[name] != t {
		testIDs.owner[name] = t
		testIDs.runs[name]++
	}
	if n := testIDs.runs[name]; n > 1 {
		return fmt.Sprintf("%s-run%d", name, n)
	}
	return name
}

// newEngine returns an engine on the test store, shut down when the test
// ends.
func newEngine(t *testing.T, cfg runtime.Config) *runtime.Engine {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = testStore
	}
	e := runtime.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return e
}

// finishedRun is a run as stored after it ended.
type finishedRun struct {
	run    *runtime.Run
	steps  map[string]runtime.Step // by node id
	events []runtime.Event
}

// startRun starts pb from its "start" node with trigger as the webhook
// body and returns the run once it ended.
func startRun(t *testing.T, e *runtime.Engine, pb *designer.Playbook, trigger string) finishedRun {
	t.Helper()
	req := runtime.StartRequest{Playbook: pb, TriggerNode: "start"}
	if trigger != "" {
		req.Trigger = json.RawMessage(trigger)
		req.TriggerRaw = []byte(trigger)
	}
	run, err := e.Start(t.Context(), req)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if run.Status != runtime.RunRunning {
		t.Errorf("started run status = %q, want %q", run.Status, runtime.RunRunning)
	}
	return waitRun(t, e, run.ID)
}

// waitRun waits until the run stops executing and loads it from the store.
func waitRun(t *testing.T, e *runtime.Engine, runID string) finishedRun {
	t.Helper()
	select {
	case <-e.Wait(runID):
	case <-time.After(waitLimit):
		t.Fatalf("run %s did not end within %s", runID, waitLimit)
	}
	return loadRun(t, runID)
}

func loadRun(t *testing.T, runID string) finishedRun {
	t.Helper()
	ctx := t.Context()
	run, err := testStore.GetRun(ctx, runID)
	if err != nil {
		t.Fatalf("get run: %v", err)
	}
	steps, err := testStore.ListSteps(ctx, runID)
	if err != nil {
		t.Fatalf("list steps: %v", err)
	}
	events, err := testStore.ListEvents(ctx, runID, 0, 10000)
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	byNode := make(map[string]runtime.Step, len(steps))
	for _, s := range steps {
		byNode[s.NodeID] = s
	}
	return finishedRun{run: run, steps: byNode, events: events}
}

// wantStatuses checks the status of the run and of each named step. The
// status "" means the node has no step.
func (r finishedRun) wantStatuses(t *testing.T, run runtime.RunStatus,
	steps map[string]runtime.StepStatus) {
	t.Helper()
	if r.run.Status != run {
		t.Errorf("run status = %q (error %q), want %q", r.run.Status, r.run.Error, run)
	}
	for id, want := range steps {
		got := r.steps[id].Status
		if got != want {
			t.Errorf("step %q status = %q (error %+v), want %q", id, got, r.steps[id].Error, want)
		}
	}
}

// wantJSON checks that got and want hold equal JSON values.
func wantJSON(t *testing.T, name string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil && len(got) > 0 {
		t.Fatalf("%s: decode %s: %v", name, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: decode wanted %s: %v", name, want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s = %s, want %s", name, gb, wb)
	}
}

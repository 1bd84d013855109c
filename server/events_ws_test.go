package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/updraftsoar/updraft/runtime"
)

// insertFinishedRun stores a succeeded run with n events, the last one
// run.finished, as a process that has since stopped would have left it,
// and returns its id.
func insertFinishedRun(t *testing.T, n int) string {
	t.Helper()
	id := uniqueRunID(t)
	now := time.Now().UTC()
	run := &runtime.Run{ID: id, PlaybookID: "p", PlaybookVersion: 1, Status: runtime.RunSucceeded,
		CreatedAt: now, EndedAt: &now}
	if err := testStore.InsertRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	events := make([]runtime.Event, n)
	for i := range events {
		events[i] = runtime.Event{RunID: id, Seq: int64(i + 1), Time: now, Type: runtime.EventStepLog,
			Data: json.RawMessage(`{"line":"x"}`)}
	}
	events[n-1].Type = runtime.EventRunFinished
	events[n-1].Data = json.RawMessage(`{"status":"succeeded"}`)
	if err := testStore.AppendEvents(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	return id
}

// uniqueRunID returns a run id that no other test, and no repeat of this
// test under -count, stores.
func uniqueRunID(t *testing.T) string {
	t.Helper()
	suffix, err := randomString(9)
	if err != nil {
		t.Fatal(err)
	}
	return "run-" + suffix
}

func dialEvents(t *testing.T, wsURL string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, header)
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, resp, err
}

func TestEvents_StoredEventsAfterSeq(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	runID := insertFinishedRun(t, 5)

	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/runs/" + runID + "/events?after=2"
	header := http.Header{"Authorization": {"Bearer " + token}, "Origin": {ts.URL}}
	conn, _, err := dialEvents(t, wsURL, header)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for {
		var ev runtime.Event
		err := conn.ReadJSON(&ev)
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			break
		}
		if err != nil {
			t.Fatalf("read after seqs %v: %v", seqs, err)
		}
		seqs = append(seqs, ev.Seq)
	}
	if got, want := seqs, []int64{3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("seqs = %v, want %v", got, want)
	}
}

func TestEvents_UpgradeRejected(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	runID := insertFinishedRun(t, 1)
	base := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/runs/"
	auth := "Bearer " + token

	cases := []struct {
		name   string
		url    string
		header http.Header
		want   int
	}{
		{"no credentials", base + runID + "/events", nil, http.StatusUnauthorized},
		{"other origin", base + runID + "/events",
			http.Header{"Authorization": {auth}, "Origin": {"https://attacker.example"}}, http.StatusForbidden},
		{"unknown run", base + "no-such-run/events", http.Header{"Authorization": {auth}}, http.StatusNotFound},
		{"negative after", base + runID + "/events?after=-1",
			http.Header{"Authorization": {auth}}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := dialEvents(t, tc.url, tc.header)
			if err == nil {
				t.Fatal("upgrade succeeded, want it rejected")
			}
			if resp == nil || resp.StatusCode != tc.want {
				t.Fatalf("response %v, want status %d", resp, tc.want)
			}
		})
	}
}

func TestEvents_FollowsRunOwnedElsewhere(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)

	// Another process owns this running run, so this engine sends nothing
	// live and the stream reads the store.
	now := time.Now().UTC()
	run := &runtime.Run{ID: uniqueRunID(t), PlaybookID: "p", PlaybookVersion: 1,
		Status: runtime.RunRunning, CreatedAt: now, StartedAt: &now}
	if err := testStore.InsertRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	started := runtime.Event{RunID: run.ID, Seq: 1, Time: now, Type: runtime.EventRunStarted}
	if err := testStore.AppendEvents(t.Context(), []runtime.Event{started}); err != nil {
		t.Fatal(err)
	}

	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/runs/" + run.ID + "/events"
	conn, _, err := dialEvents(t, wsURL, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	var first runtime.Event
	if err := conn.ReadJSON(&first); err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 {
		t.Fatalf("first event seq = %d, want 1", first.Seq)
	}

	finished := runtime.Event{RunID: run.ID, Seq: 2, Time: now, Type: runtime.EventRunFinished,
		Data: json.RawMessage(`{"status":"succeeded"}`)}
	if err := testStore.AppendEvents(t.Context(), []runtime.Event{finished}); err != nil {
		t.Fatal(err)
	}
	var second runtime.Event
	if err := conn.ReadJSON(&second); err != nil {
		t.Fatal(err)
	}
	if second.Seq != 2 || second.Type != runtime.EventRunFinished {
		t.Errorf("second event = seq %d %s, want seq 2 %s", second.Seq, second.Type, runtime.EventRunFinished)
	}
	_, _, err = conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after run.finished: %v, want a normal close", err)
	}
}

// TestEvents_LongRunReachesReader reads a run with many more stored events
// than a connection buffers: a reader that keeps reading gets all of them.
func TestEvents_LongRunReachesReader(t *testing.T) {
	ts := newTestServer(t, nil)
	token := insertToken(t)
	const n = 3000
	runID := insertFinishedRun(t, n)

	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/runs/" + runID + "/events"
	header := http.Header{"Authorization": {"Bearer " + token}, "Origin": {ts.URL}}
	conn, _, err := dialEvents(t, wsURL, header)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for {
		var ev runtime.Event
		err := conn.ReadJSON(&ev)
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			break
		}
		if err != nil {
			t.Fatalf("read after seq %d: %v", last, err)
		}
		if ev.Seq != last+1 {
			t.Fatalf("event seq %d after %d, want %d", ev.Seq, last, last+1)
		}
		last = ev.Seq
	}
	if last != n {
		t.Errorf("last seq = %d, want %d", last, n)
	}
}

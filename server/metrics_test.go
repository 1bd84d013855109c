package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/runtime"
)

// straightPlaybook is a manual trigger followed by an end node.
const straightPlaybook = `{"name": "Straight", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "start", "port": "success", "to": "done"}]}`

// newMetricsServer serves a Server whose engine reports to new metrics.
func newMetricsServer(t *testing.T) *httptest.Server {
	t.Helper()
	m := NewMetrics()
	engine := runtime.New(runtime.Config{Store: testStore, Observer: m})
	m.CountActiveRuns(engine.ActiveRuns)
	ts := newTestServer(t, func(c *Config) {
		c.Engine = engine
		c.Metrics = m
	})
	return ts
}

func TestMetrics_CountRealRun(t *testing.T) {
	srv := newMetricsServer(t)
	token := insertToken(t)
	viewer := insertRoleToken(t, RoleViewer)

	before := scrape(t, srv, viewer.Value)
	if strings.Contains(before, `updraft_runs_started_total{trigger="manual"}`) {
		t.Fatalf("metrics count a run before any started:\n%s", before)
	}
	if !strings.Contains(before, "updraft_runs_active 0") {
		t.Errorf("metrics lack updraft_runs_active 0:\n%s", grepMetrics(before, "updraft_runs_active"))
	}

	var saved struct{ ID string }
	mustCall(t, srv, token, http.MethodPost, "/api/v1/playbooks", straightPlaybook, http.StatusCreated, &saved)
	var started startedResponse
	mustCall(t, srv, token, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", "",
		http.StatusAccepted, &started)
	waitRunStatus(t, srv, token, started.RunID, runtime.RunSucceeded)
	mustCall(t, srv, "", http.MethodPost, "/hooks/not-a-webhook-token", `{}`, http.StatusNotFound, nil)

	after := scrape(t, srv, viewer.Value)
	for _, line := range []string{
		`updraft_runs_started_total{trigger="manual"} 1`,
		`updraft_runs_ended_total{status="succeeded",trigger="manual"} 1`,
		`updraft_run_duration_seconds_count{status="succeeded"} 1`,
		`updraft_step_duration_seconds_count{node_type="trigger"} 1`,
		`updraft_step_duration_seconds_count{node_type="end"} 1`,
		`updraft_webhook_requests_total{code="404"} 1`,
		`updraft_runs_active 0`,
	} {
		if !strings.Contains(after, line+"\n") {
			name, _, _ := strings.Cut(line, "{")
			t.Errorf("metrics lack %s; they have:\n%s", line, grepMetrics(after, strings.Fields(name)[0]))
		}
	}
}

func TestMetrics_NeedsToken(t *testing.T) {
	srv := newMetricsServer(t)

	res := callAPI(t, srv, "", http.MethodGet, "/metrics", "")
	if res.Status != http.StatusUnauthorized {
		t.Errorf("without a token: status %d, want 401", res.Status)
	}
	res = callAPI(t, srv, "upd_not-a-valid-token", http.MethodGet, "/metrics", "")
	if res.Status != http.StatusUnauthorized {
		t.Errorf("with a token that is not valid: status %d, want 401", res.Status)
	}
}

func TestMetrics_AbsentWithoutConfig(t *testing.T) {
	ts := newTestServer(t, nil)
	viewer := insertRoleToken(t, RoleViewer)

	if res := callAPI(t, ts, viewer.Value, http.MethodGet, "/metrics", ""); res.Status != http.StatusNotFound {
		t.Errorf("status = %d, want 404", res.Status)
	}
}

// scrape returns the text exposition of /metrics.
func scrape(t *testing.T, srv *httptest.Server, token string) string {
	t.Helper()
	res := callAPI(t, srv, token, http.MethodGet, "/metrics", "")
	if res.Status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, body %.300s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type = %q, want text/plain", ct)
	}
	return string(res.Body)
}

// grepMetrics returns the lines of text that start with prefix.
func grepMetrics(text, prefix string) string {
	var lines []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// dashboardRun is a run that storeDashboardRuns stores: created ago
// before the test starts and ended tookMS later.
type dashboardRun struct {
	id       string
	status   runtime.RunStatus
	ago      time.Duration
	tookMS   int64
	answered bool // a person answered an approval of the run
}

// storeDashboardRuns stores the playbook "pb-dash" and runs of it in the
// data directory through the store API, before the server opens it.
func storeDashboardRuns(t *testing.T, dataDir string, runs []dashboardRun) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dataDir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)

	pb := &designer.Playbook{ID: "pb-dash", Name: "Phishing triage", Version: 1}
	if err := st.InsertPlaybookVersion(ctx, pb); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, r := range runs {
		created := now.Add(-r.ago)
		ended := created.Add(time.Duration(r.tookMS) * time.Millisecond)
		run := &runtime.Run{ID: r.id, PlaybookID: pb.ID, PlaybookVersion: 1, Status: r.status,
			CreatedAt: created, StartedAt: &created, EndedAt: &ended}
		if err := st.InsertRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if !r.answered {
			continue
		}
		a := &runtime.Approval{ID: r.id + "-ask", RunID: r.id, StepID: r.id + ":ask", NodeID: "ask",
			PlaybookID: pb.ID, Question: "Block the sender?", Options: []string{"approve", "reject"},
			Status: runtime.ApprovalAnswered, CreatedAt: created}
		if err := st.SaveApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
		answer := &runtime.ApprovalAnswer{ApprovalID: a.ID, Option: "approve", By: "ana", At: ended}
		if err := st.InsertAnswer(ctx, answer); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBrowser_DashboardShowsFigures(t *testing.T) {
	// In the last 7 days: durations 1500, 3000 and 4500 ms, and a person
	// answered in r3, so 2 of 3 runs are automated. r4 is 20 days old.
	srv := startServerWith(t, func(cfg *config) {
		cfg.MinutesPerAlert = 20
		storeDashboardRuns(t, cfg.DataDir, []dashboardRun{
			{id: "r1", status: runtime.RunSucceeded, ago: 2 * time.Hour, tookMS: 1500},
			{id: "r2", status: runtime.RunFailed, ago: 26 * time.Hour, tookMS: 4500},
			{id: "r3", status: runtime.RunSucceeded, ago: 3 * time.Hour, tookMS: 3000, answered: true},
			{id: "r4", status: runtime.RunCanceled, ago: 20 * 24 * time.Hour, tookMS: 100},
		})
	})
	viewer := srv.createToken(t, "vera", "viewer")
	ctx := newBrowser(t)
	signInBrowser(t, ctx, srv, viewer.Token)

	do(t, ctx, "open the dashboard",
		chromedp.Click(chromedp.CSS(`nav[aria-label="Main"] a[href="/dashboard"]`)),
		chromedp.WaitVisible(byTestID("dashboard-tiles")),
	)
	checkTexts(t, ctx, map[string]string{
		"tile-runs-value":       "3",
		"tile-ttr-median-value": "3 s",
		"tile-ttr-p90-value":    "4.5 s",
		"tile-ttr-mean-value":   "3 s",
		"tile-automation-value": "66.7 %",
		"tile-saved-value":      "40 min",
		"status-succeeded":      "2",
		"status-failed":         "1",
		"status-canceled":       "0",
	})

	// Both charts are drawn with a visible size, and the runs chart has a
	// bar of non-zero height.
	drawn := eval[struct{ RunsWidth, TimeWidth, TallestBar, Points float64 }](t, ctx, "measure charts", `({
		RunsWidth: document.querySelector('[data-testid="chart-runs"] svg').getBoundingClientRect().width,
		TimeWidth: document.querySelector('[data-testid="chart-ttr"] svg').getBoundingClientRect().width,
		TallestBar: Math.max(...[...document.querySelectorAll('[data-testid="chart-runs"] rect.bar-all')]
			.map(r => r.getBoundingClientRect().height)),
		Points: document.querySelectorAll('[data-testid="chart-ttr"] circle.point').length,
	})`)
	if drawn.RunsWidth < 100 || drawn.TimeWidth < 100 {
		t.Errorf("chart widths = %.0f and %.0f px, want both drawn", drawn.RunsWidth, drawn.TimeWidth)
	}
	if drawn.TallestBar <= 0 {
		t.Errorf("tallest bar = %.1f px, want above 0", drawn.TallestBar)
	}
	if drawn.Points < 1 {
		t.Errorf("time to respond points = %.0f, want at least 1", drawn.Points)
	}
	top := eval[string](t, ctx, "read top playbooks",
		`document.querySelector('[data-testid="dashboard-top"] tr[data-playbook="pb-dash"]').innerText`)
	if !strings.Contains(top, "Phishing triage") || !strings.Contains(top, "66.7 %") {
		t.Errorf("top playbooks row = %q, want Phishing triage with 66.7 %%", top)
	}

	// The 30-day window of the form includes r4.
	do(t, ctx, "choose 30 days",
		chromedp.SetValue(chromedp.CSS(`[data-testid="dashboard-filter"] select[name="days"]`), "30"),
		chromedp.Click(chromedp.CSS(`[data-testid="dashboard-filter"] button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(`select[name="days"] option[value="30"][selected]`)),
		chromedp.WaitVisible(byTestID("dashboard-tiles")),
	)
	checkTexts(t, ctx, map[string]string{"tile-runs-value": "4", "status-canceled": "1"})

	// A playbook without runs shows the empty state.
	do(t, ctx, "filter by a playbook without runs",
		chromedp.Navigate(srv.URL+"/dashboard?days=7&playbook=no-such-playbook"),
		chromedp.WaitVisible(byTestID("dashboard-empty")),
	)
}

func TestBrowser_DashboardNeedsSession(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)

	do(t, ctx, "open the dashboard signed out",
		chromedp.Navigate(srv.URL+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
	)
	if url := eval[string](t, ctx, "read location", `location.pathname`); url != "/login" {
		t.Errorf("signed-out dashboard went to %s, want /login", url)
	}
}

// checkTexts compares the text of each element, by data-testid, with its
// expected text.
func checkTexts(t *testing.T, ctx context.Context, want map[string]string) {
	t.Helper()
	for id, text := range want {
		got, err := chromedp.Run(ctx, chromedp.Text(byTestID(id)))
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		if strings.TrimSpace(got) != text {
			t.Errorf("%s = %q, want %q", id, got, text)
		}
	}
}

package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// dashboardDay is the first day of the window of TestDashboard_Figures.
var dashboardDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// seedRun describes a run for the dashboard tests: created hours after
// dashboardDay, ending tookMS after creation unless it is still open, and
// with an approval that a person answered or that timed out.
type seedRun struct {
	id, playbook, parent string
	status               runtime.RunStatus
	hours                float64
	tookMS               int64
	approval             runtime.ApprovalStatus // empty for none
}

var dashboardSeed = []seedRun{
	{id: "a1", playbook: "triage", status: runtime.RunSucceeded, hours: 1, tookMS: 1000},
	{id: "a2", playbook: "triage", status: runtime.RunFailed, hours: 2, tookMS: 3000},
	{id: "a3", playbook: "triage", status: runtime.RunSucceeded, hours: 29, tookMS: 10000,
		approval: runtime.ApprovalAnswered},
	{id: "a4", playbook: "phish", status: runtime.RunTimedOut, hours: 30, tookMS: 60000,
		approval: runtime.ApprovalTimedOut},
	{id: "a5", playbook: "phish", status: runtime.RunRunning, hours: 55},
	{id: "a6", playbook: "phish", status: runtime.RunCanceled, hours: 56, tookMS: 2000},
	// A person answered in a6's child run, so a6 is not automated.
	{id: "c1", playbook: "sub", parent: "a6", status: runtime.RunSucceeded, hours: 56.5,
		tookMS: 500, approval: runtime.ApprovalAnswered},
	// Created before and at the end of the window.
	{id: "o1", playbook: "triage", status: runtime.RunSucceeded, hours: -0.001, tookMS: 10},
	{id: "o2", playbook: "triage", status: runtime.RunSucceeded, hours: 72, tookMS: 10},
}

// storeDashboardSeed stores runs and approvals through the store API.
func storeDashboardSeed(t *testing.T, s *Store, seed []seedRun) {
	t.Helper()
	for _, r := range seed {
		created := dashboardDay.Add(time.Duration(r.hours * float64(time.Hour)))
		run := newRun(r.id, r.playbook, r.status, created)
		run.ParentRunID = r.parent
		if r.parent != "" {
			run.Depth = 1
		}
		if r.status.Ended() {
			ended := run.CreatedAt.Add(time.Duration(r.tookMS) * time.Millisecond)
			run.EndedAt = &ended
		}
		if err := s.InsertRun(t.Context(), run); err != nil {
			t.Fatalf("insert run %s: %v", r.id, err)
		}
		if r.approval != "" {
			storeApproval(t, s, run, r.approval)
		}
	}
}

func storeApproval(t *testing.T, s *Store, run *runtime.Run, status runtime.ApprovalStatus) {
	t.Helper()
	asked := run.CreatedAt.Add(time.Millisecond)
	a := &runtime.Approval{ID: run.ID + "-ask", RunID: run.ID, StepID: run.ID + ":ask",
		NodeID: "ask", PlaybookID: run.PlaybookID, Question: "Contain?",
		Options: []string{"approve", "reject"}, DefaultOption: "reject",
		Status: status, CreatedAt: asked}
	if err := s.SaveApproval(t.Context(), a); err != nil {
		t.Fatalf("save approval of %s: %v", run.ID, err)
	}
	answer := &runtime.ApprovalAnswer{ApprovalID: a.ID, At: asked.Add(time.Millisecond)}
	if status == runtime.ApprovalTimedOut {
		answer.Option, answer.TimedOut = "reject", true
	} else {
		answer.Option, answer.By = "approve", "ana"
	}
	if err := s.InsertAnswer(t.Context(), answer); err != nil {
		t.Fatalf("answer approval of %s: %v", run.ID, err)
	}
}

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }
func day(date string, runs, automated int, median *int64) DashboardDay {
	return DashboardDay{Date: date, Runs: runs, Automated: automated, MedianTimeToRespondMS: median}
}

func TestDashboard_Figures(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	storeDashboardSeed(t, s, dashboardSeed)
	window := DashboardQuery{From: dashboardDay, To: dashboardDay.AddDate(0, 0, 3), MinutesPerAlert: 15}

	tests := []struct {
		name  string
		query func(q DashboardQuery) DashboardQuery
		want  DashboardSummary
	}{
		{
			// Durations 1000, 2000, 3000, 10000, 60000: the median is the
			// 3rd, the p90 the 5th (ceil(0.9*5)), the mean 76000/5.
			name:  "all playbooks",
			query: func(q DashboardQuery) DashboardQuery { return q },
			want: DashboardSummary{
				Runs:   6,
				Status: StatusCounts{Succeeded: 2, Failed: 1, Canceled: 1, TimedOut: 1, Open: 1},
				TimeToRespond: DurationStats{Count: 5, MedianMS: i64(3000), P90MS: i64(60000),
					MeanMS: i64(15200)},
				Automated: 3, AutomationRate: f64(0.6), MinutesPerAlert: 15, TimeSavedMinutes: 45,
				Days: []DashboardDay{
					day("2026-03-10", 2, 2, i64(1000)),
					day("2026-03-11", 2, 1, i64(10000)),
					day("2026-03-12", 2, 0, i64(2000)),
				},
				TopPlaybooks: []PlaybookFigures{
					{PlaybookID: "phish", Runs: 3, Ended: 2, Succeeded: 0, SuccessRate: f64(0)},
					{PlaybookID: "triage", Runs: 3, Ended: 3, Succeeded: 2, SuccessRate: f64(2.0 / 3)},
				},
			},
		},
		{
			// Durations 1000, 3000, 10000: the mean 14000/3 rounds to 4667.
			name: "one playbook",
			query: func(q DashboardQuery) DashboardQuery {
				q.PlaybookID, q.MinutesPerAlert = "triage", 20
				return q
			},
			want: DashboardSummary{
				PlaybookID: "triage",
				Runs:       3,
				Status:     StatusCounts{Succeeded: 2, Failed: 1},
				TimeToRespond: DurationStats{Count: 3, MedianMS: i64(3000), P90MS: i64(10000),
					MeanMS: i64(4667)},
				Automated: 2, AutomationRate: f64(2.0 / 3), MinutesPerAlert: 20, TimeSavedMinutes: 40,
				Days: []DashboardDay{
					day("2026-03-10", 2, 2, i64(1000)),
					day("2026-03-11", 1, 0, i64(10000)),
					day("2026-03-12", 0, 0, nil),
				},
				TopPlaybooks: []PlaybookFigures{
					{PlaybookID: "triage", Runs: 3, Ended: 3, Succeeded: 2, SuccessRate: f64(2.0 / 3)},
				},
			},
		},
		{
			name: "only an open run",
			query: func(q DashboardQuery) DashboardQuery {
				q.From = dashboardDay.Add(54 * time.Hour)
				q.To = dashboardDay.Add(55*time.Hour + time.Minute)
				return q
			},
			want: DashboardSummary{
				Runs: 1, Status: StatusCounts{Open: 1}, MinutesPerAlert: 15,
				Days: []DashboardDay{day("2026-03-12", 1, 0, nil)},
				TopPlaybooks: []PlaybookFigures{
					{PlaybookID: "phish", Runs: 1},
				},
			},
		},
		{
			name: "empty window",
			query: func(q DashboardQuery) DashboardQuery {
				q.From, q.To = dashboardDay.AddDate(0, 0, -9), dashboardDay.AddDate(0, 0, -7)
				return q
			},
			want: DashboardSummary{
				MinutesPerAlert: 15,
				Days:            []DashboardDay{day("2026-03-01", 0, 0, nil), day("2026-03-02", 0, 0, nil)},
				TopPlaybooks:    []PlaybookFigures{},
			},
		},
		{
			name: "unknown playbook",
			query: func(q DashboardQuery) DashboardQuery {
				q.PlaybookID = "nothing"
				return q
			},
			want: DashboardSummary{
				PlaybookID: "nothing", MinutesPerAlert: 15,
				Days: []DashboardDay{
					day("2026-03-10", 0, 0, nil), day("2026-03-11", 0, 0, nil), day("2026-03-12", 0, 0, nil),
				},
				TopPlaybooks: []PlaybookFigures{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.query(window)
			got, err := s.Dashboard(t.Context(), q)
			if err != nil {
				t.Fatalf("Dashboard: %v", err)
			}
			if !got.From.Equal(q.From) || !got.To.Equal(q.To) {
				t.Errorf("window = %s to %s, want %s to %s", got.From, got.To, q.From, q.To)
			}
			checkSummary(t, got, &tt.want)
		})
	}
}

// checkSummary compares every figure but the window.
func checkSummary(t *testing.T, got, want *DashboardSummary) {
	t.Helper()
	if got.PlaybookID != want.PlaybookID {
		t.Errorf("playbook_id = %q, want %q", got.PlaybookID, want.PlaybookID)
	}
	if got.Runs != want.Runs {
		t.Errorf("runs = %d, want %d", got.Runs, want.Runs)
	}
	if got.Status != want.Status {
		t.Errorf("status = %+v, want %+v", got.Status, want.Status)
	}
	if g, w := showStats(got.TimeToRespond), showStats(want.TimeToRespond); g != w {
		t.Errorf("time to respond = %s, want %s", g, w)
	}
	if got.Automated != want.Automated {
		t.Errorf("automated = %d, want %d", got.Automated, want.Automated)
	}
	if g, w := showRate(got.AutomationRate), showRate(want.AutomationRate); g != w {
		t.Errorf("automation rate = %s, want %s", g, w)
	}
	if got.MinutesPerAlert != want.MinutesPerAlert || got.TimeSavedMinutes != want.TimeSavedMinutes {
		t.Errorf("time saved = %d min at %d min per alert, want %d at %d",
			got.TimeSavedMinutes, got.MinutesPerAlert, want.TimeSavedMinutes, want.MinutesPerAlert)
	}
	if g, w := showDays(got.Days), showDays(want.Days); g != w {
		t.Errorf("days = %s, want %s", g, w)
	}
	if g, w := showPlaybooks(got.TopPlaybooks), showPlaybooks(want.TopPlaybooks); g != w {
		t.Errorf("top playbooks = %s, want %s", g, w)
	}
}

func showMS(v *int64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

func showRate(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%.4f", *v)
}

func showStats(s DurationStats) string {
	return fmt.Sprintf("{count %d, median %s, p90 %s, mean %s}",
		s.Count, showMS(s.MedianMS), showMS(s.P90MS), showMS(s.MeanMS))
}

func showDays(days []DashboardDay) string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = fmt.Sprintf("%s: %d runs, %d automated, median %s",
			d.Date, d.Runs, d.Automated, showMS(d.MedianTimeToRespondMS))
	}
	return fmt.Sprint(out)
}

func showPlaybooks(pbs []PlaybookFigures) string {
	out := make([]string, len(pbs))
	for i, p := range pbs {
		out[i] = fmt.Sprintf("%s: %d runs, %d ended, %d succeeded, rate %s",
			p.PlaybookID, p.Runs, p.Ended, p.Succeeded, showRate(p.SuccessRate))
	}
	return fmt.Sprint(out)
}

func TestDashboard_ReadsEndedCopyOnce(t *testing.T) {
	s := openTestStore(t, backends[0].uri)
	run := newRun("r1", "triage", runtime.RunRunning, dashboardDay.Add(time.Hour))
	if err := s.InsertRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	ended := run.CreatedAt.Add(4 * time.Second)
	run.Status, run.EndedAt = runtime.RunSucceeded, &ended
	if err := s.UpdateRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}

	got, err := s.Dashboard(t.Context(), DashboardQuery{From: dashboardDay, To: dashboardDay.Add(24 * time.Hour)})
	if err != nil {
		t.Fatalf("Dashboard: %v", err)
	}
	if got.Runs != 1 || got.Status.Succeeded != 1 || got.Status.Open != 0 {
		t.Errorf("runs = %d, status = %+v; want 1 run, succeeded", got.Runs, got.Status)
	}
	if showMS(got.TimeToRespond.MedianMS) != "4000" {
		t.Errorf("median time to respond = %s, want 4000", showMS(got.TimeToRespond.MedianMS))
	}
}

func TestPercentile_NearestRank(t *testing.T) {
	tests := []struct {
		values []int64
		p      int
		want   string
	}{
		{nil, 50, "null"},
		{[]int64{7}, 90, "7"},
		{[]int64{4, 1}, 50, "1"},
		{[]int64{5, 1, 4, 2, 3}, 50, "3"},
		{[]int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 90, "9"},
		{[]int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 11}, 90, "10"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("p%d of %v", tt.p, tt.values), func(t *testing.T) {
			if got := showMS(percentile(slices.Clone(tt.values), tt.p)); got != tt.want {
				t.Errorf("percentile = %s, want %s", got, tt.want)
			}
		})
	}
}

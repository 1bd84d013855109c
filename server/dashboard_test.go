package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// dashboardMonth is a window of the shared store that only
// TestDashboard_APIFigures writes runs into. Each repeat of the test under
// -count uses the month after the previous one.
var dashboardMonth = time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)

// dashboardRepeats counts the runs of TestDashboard_APIFigures in this
// process.
var dashboardRepeats atomic.Int32

func TestDashboard_APIFigures(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MinutesPerAlert = 12 })
	viewer := insertRoleToken(t, RoleViewer)
	repeat := int(dashboardRepeats.Add(1) - 1)
	month := dashboardMonth.AddDate(0, repeat, 0)
	suffix := fmt.Sprintf("-%d", repeat)

	pb := &designer.Playbook{ID: "dash-named-pb" + suffix, Name: "Named triage", Version: 1}
	if err := testStore.InsertPlaybookVersion(t.Context(), pb); err != nil {
		t.Fatal(err)
	}
	for i, status := range []runtime.RunStatus{runtime.RunSucceeded, runtime.RunFailed, runtime.RunWaiting} {
		created := month.Add(time.Duration(i+1) * time.Hour)
		run := &runtime.Run{ID: "dash-api-" + string(status) + suffix, PlaybookID: pb.ID, PlaybookVersion: 1,
			Status: status, CreatedAt: created}
		if status.Ended() {
			ended := created.Add(2 * time.Second)
			run.EndedAt = &ended
		}
		if err := testStore.InsertRun(t.Context(), run); err != nil {
			t.Fatal(err)
		}
	}

	query := url.Values{
		"from": {month.Format(time.RFC3339)},
		"to":   {month.AddDate(0, 0, 2).Format(time.RFC3339)},
	}
	var got store.DashboardSummary
	mustCall(t, ts, viewer.Value, http.MethodGet, "/api/v1/dashboard?"+query.Encode(), "",
		http.StatusOK, &got)

	if got.Runs != 3 {
		t.Errorf("runs = %d, want 3", got.Runs)
	}
	want := store.StatusCounts{Succeeded: 1, Failed: 1, Open: 1}
	if got.Status != want {
		t.Errorf("status = %+v, want %+v", got.Status, want)
	}
	if got.Automated != 2 || got.TimeSavedMinutes != 24 || got.MinutesPerAlert != 12 {
		t.Errorf("automated %d, saved %d min at %d per alert; want 2, 24 at 12",
			got.Automated, got.TimeSavedMinutes, got.MinutesPerAlert)
	}
	if m := got.TimeToRespond.MedianMS; m == nil || *m != 2000 {
		t.Errorf("median time to respond = %v, want 2000", m)
	}
	if day := month.Format(time.DateOnly); len(got.Days) != 2 || got.Days[0].Date != day || got.Days[0].Runs != 3 {
		t.Errorf("days = %+v, want %s with 3 runs, then the day after", got.Days, day)
	}
	if len(got.TopPlaybooks) != 1 || got.TopPlaybooks[0].Name != "Named triage" {
		t.Errorf("top playbooks = %+v, want dash-named-pb named Named triage", got.TopPlaybooks)
	}
}

func TestDashboard_APIDefaultsToLastWeek(t *testing.T) {
	ts := newTestServer(t, nil)
	viewer := insertRoleToken(t, RoleViewer)

	before := time.Now().UTC()
	var got store.DashboardSummary
	mustCall(t, ts, viewer.Value, http.MethodGet, "/api/v1/dashboard", "", http.StatusOK, &got)
	after := time.Now().UTC()

	if got.To.Before(before.Truncate(time.Millisecond)) || got.To.After(after) {
		t.Errorf("to = %s, want between %s and %s", got.To, before, after)
	}
	if span := got.To.Sub(got.From); span != 7*24*time.Hour {
		t.Errorf("window = %s, want 168h", span)
	}
	if got.MinutesPerAlert != DefaultMinutesPerAlert {
		t.Errorf("minutes per alert = %d, want %d", got.MinutesPerAlert, DefaultMinutesPerAlert)
	}
	if n := len(got.Days); n != 7 && n != 8 {
		t.Errorf("days = %d, want 7 or 8 for a window that starts mid-day", n)
	}
}

func TestDashboard_APIRejectsBadWindow(t *testing.T) {
	ts := newTestServer(t, nil)
	viewer := insertRoleToken(t, RoleViewer)

	tests := []struct {
		name, query, want string
	}{
		{"from not RFC 3339", "from=yesterday",
			`query parameter from="yesterday" must be an RFC 3339 time, such as 2026-03-01T00:00:00Z`},
		{"to not RFC 3339", "to=2026-03-01",
			`query parameter to="2026-03-01" must be an RFC 3339 time, such as 2026-03-01T00:00:00Z`},
		{"from after to", "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
			"query parameter from=2026-03-02T00:00:00Z must be before to=2026-03-01T00:00:00Z; " +
				"swap them or move from earlier"},
		{"from equals to", "from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z",
			"query parameter from=2026-03-01T00:00:00Z must be before to=2026-03-01T00:00:00Z; " +
				"swap them or move from earlier"},
		{"window over 366 days", "from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
			"query parameters from=2025-01-01T00:00:00Z and to=2026-01-03T00:00:00Z span more " +
				"than 366 days; move from later or to earlier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := callAPI(t, ts, viewer.Value, http.MethodGet, "/api/v1/dashboard?"+tt.query, "")
			if res.Status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.Status, res.Body)
			}
			if msg := res.decodeError(t).Error.Message; msg != tt.want {
				t.Errorf("message = %q, want %q", msg, tt.want)
			}
		})
	}

	// Exactly 366 days is allowed.
	mustCall(t, ts, viewer.Value, http.MethodGet,
		"/api/v1/dashboard?from=2025-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "", http.StatusOK, nil)
}

func TestDashboard_NeedsCredentials(t *testing.T) {
	ts := newTestServer(t, nil)

	res := callAPI(t, ts, "", http.MethodGet, "/api/v1/dashboard", "")
	if res.Status != http.StatusUnauthorized {
		t.Errorf("API without a token: status %d, want 401", res.Status)
	}
	resp, err := noRedirectClient.Get(ts.URL + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("page without a session: %d to %q, want 303 to /login", resp.StatusCode,
			resp.Header.Get("Location"))
	}
}

func TestDashboard_PageRejectsOtherWindows(t *testing.T) {
	ts := newTestServer(t, nil)
	viewer := insertRoleToken(t, RoleViewer)

	res := callAPI(t, ts, viewer.Value, http.MethodGet, "/dashboard?days=14", "")
	if res.Status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", res.Status)
	}
	if !strings.Contains(string(res.Body), "days=") {
		t.Errorf("body %s does not name the days parameter", res.Body)
	}
}

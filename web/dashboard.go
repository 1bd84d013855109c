package web

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// DashboardWindows are the window lengths, in days, that the Dashboard
// page offers.
var DashboardWindows = []int{7, 30, 90}

// DashboardView contains the figures that the Dashboard page shows. Its
// fields mirror store.DashboardSummary, which the web package cannot
// import.
type DashboardView struct {
	Days       int    // window length that the form selects
	PlaybookID string // playbook filter; empty for all
	Playbooks  []PlaybookOption
	From, To   time.Time

	Runs                              int
	Succeeded, Failed, Canceled       int
	TimedOut, Open                    int
	Ended, Automated                  int
	TimeToRespondCount                int
	MedianMS, P90MS, MeanMS           *int64
	AutomationRate                    *float64
	MinutesPerAlert, TimeSavedMinutes int

	Series []DashboardDayView
	Top    []DashboardPlaybookView
}

// PlaybookOption is one choice of the playbook filter.
type PlaybookOption struct {
	ID, Name string
}

// DashboardDayView contains the figures of one UTC day.
type DashboardDayView struct {
	Date                  string // such as "2026-03-14"
	Runs, Automated       int
	MedianTimeToRespondMS *int64
}

// DashboardPlaybookView is one row of the top playbooks table.
type DashboardPlaybookView struct {
	ID, Name    string
	Runs        int
	SuccessRate *float64
}

// DashboardPage renders the manager's dashboard.
func DashboardPage(c echo.Context, v DashboardView) templ.Component {
	return dashboardPage(session(c), v)
}

// formatMS writes a duration in milliseconds in the largest unit that
// keeps it at 1 or more, such as "850 ms", "12.5 s" or "3.2 h".
func formatMS(ms *int64) string {
	if ms == nil {
		return T("dashboard.none")
	}
	d := float64(*ms)
	switch {
	case d < 1000:
		return T("dashboard.unit_ms", "n", strconv.FormatInt(*ms, 10))
	case d < 60_000:
		return T("dashboard.unit_s", "n", oneDecimal(d/1000))
	case d < 3_600_000:
		return T("dashboard.unit_min", "n", oneDecimal(d/60_000))
	}
	return T("dashboard.unit_h", "n", oneDecimal(d/3_600_000))
}

// formatMinutes writes minutes as minutes below two hours and as hours
// from then on.
func formatMinutes(minutes int) string {
	if minutes < 120 {
		return T("dashboard.unit_min", "n", strconv.Itoa(minutes))
	}
	return T("dashboard.unit_h", "n", oneDecimal(float64(minutes)/60))
}

func formatRate(rate *float64) string {
	if rate == nil {
		return T("dashboard.none")
	}
	return T("dashboard.unit_percent", "n", oneDecimal(*rate*100))
}

// oneDecimal writes v with one decimal, or none when that decimal is 0.
func oneDecimal(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// playbookHref links to the dashboard of one playbook in the same window.
func (v DashboardView) playbookHref(id string) templ.SafeURL {
	q := url.Values{"days": {strconv.Itoa(v.Days)}, "playbook": {id}}
	return templ.SafeURL("/dashboard?" + q.Encode())
}

// runsHref links to the Runs page of one playbook.
func runsHref(id string) templ.SafeURL {
	return templ.SafeURL("/runs?" + url.Values{"playbook_id": {id}}.Encode())
}

func playbookLabel(p DashboardPlaybookView) string {
	if p.Name == "" {
		return p.ID
	}
	return fmt.Sprintf("%s (%s)", p.Name, p.ID)
}

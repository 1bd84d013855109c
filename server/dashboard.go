package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

// DefaultMinutesPerAlert is the analyst time, in minutes, that one
// automated run saves unless Config.MinutesPerAlert sets another.
const DefaultMinutesPerAlert = 15

const (
	defaultDashboardWindow = 7 * 24 * time.Hour
	maxDashboardWindow     = 366 * 24 * time.Hour
)

// getDashboard returns the figures of the runs created from ?from= to
// ?to= (RFC 3339; default the last 7 days) of every playbook or of
// ?playbook=.
func (s *Server) getDashboard(c echo.Context) error {
	from, to, err := dashboardWindow(c, time.Now())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sum, err := s.store.Dashboard(ctx, store.DashboardQuery{
		From: from, To: to, PlaybookID: c.QueryParam("playbook"),
		MinutesPerAlert: s.cfg.MinutesPerAlert,
	})
	if err != nil {
		return internalError(err)
	}
	if err := s.namePlaybooks(ctx, sum.TopPlaybooks); err != nil {
		return internalError(err)
	}
	return c.JSON(http.StatusOK, sum)
}

// dashboardWindow returns the window that the from and to query
// parameters select. From must come before to, at most 366 days before.
func dashboardWindow(c echo.Context, now time.Time) (time.Time, time.Time, error) {
	to := now.UTC().Truncate(time.Millisecond)
	if v := c.QueryParam("to"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, time.Time{}, errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter to=%q must be an RFC 3339 time, such as 2026-03-01T00:00:00Z", v)
		}
		to = t
	}
	from := to.Add(-defaultDashboardWindow)
	if v := c.QueryParam("from"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, time.Time{}, errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter from=%q must be an RFC 3339 time, such as 2026-03-01T00:00:00Z", v)
		}
		from = t
	}

	if !from.Before(to) {
		return time.Time{}, time.Time{}, errorf(http.StatusBadRequest, codeBadRequest,
			"query parameter from=%s must be before to=%s; swap them or move from earlier",
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if to.Sub(from) > maxDashboardWindow {
		return time.Time{}, time.Time{}, errorf(http.StatusBadRequest, codeBadRequest,
			"query parameters from=%s and to=%s span more than 366 days; move from later or to earlier",
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// namePlaybooks sets the name of each playbook in top that still exists.
func (s *Server) namePlaybooks(ctx context.Context, top []store.PlaybookFigures) error {
	for i := range top {
		p, err := s.store.GetPlaybook(ctx, top[i].PlaybookID)
		if errors.Is(err, runtime.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		top[i].Name = p.Name
	}
	return nil
}

// dashboardPage renders the Dashboard page for the last ?days= days (7,
// 30 or 90; default 7) of every playbook or of ?playbook=.
func (s *Server) dashboardPage(c echo.Context) error {
	days := 7
	if v := c.QueryParam("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(web.DashboardWindows, n) {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter days=%q must be 7, 30 or 90; choose a window in the form", v)
		}
		days = n
	}
	ctx := c.Request().Context()
	to := time.Now().UTC().Truncate(time.Millisecond)
	sum, err := s.store.Dashboard(ctx, store.DashboardQuery{
		From: to.AddDate(0, 0, -days), To: to, PlaybookID: c.QueryParam("playbook"),
		MinutesPerAlert: s.cfg.MinutesPerAlert,
	})
	if err != nil {
		return internalError(err)
	}
	playbooks, err := s.store.ListPlaybooks(ctx)
	if err != nil {
		return internalError(err)
	}

	view := dashboardView(sum, days)
	names := make(map[string]string, len(playbooks))
	for _, p := range playbooks {
		names[p.ID] = p.Name
		view.Playbooks = append(view.Playbooks, web.PlaybookOption{ID: p.ID, Name: p.Name})
	}
	for i := range view.Top {
		view.Top[i].Name = names[view.Top[i].ID]
	}
	return renderPage(c, http.StatusOK, web.DashboardPage(c, view))
}

// dashboardView copies the figures of sum into the page's view.
func dashboardView(sum *store.DashboardSummary, days int) web.DashboardView {
	v := web.DashboardView{
		Days: days, PlaybookID: sum.PlaybookID, From: sum.From, To: sum.To,
		Runs: sum.Runs, Succeeded: sum.Status.Succeeded, Failed: sum.Status.Failed,
		Canceled: sum.Status.Canceled, TimedOut: sum.Status.TimedOut, Open: sum.Status.Open,
		Ended: sum.Status.Ended(), Automated: sum.Automated,
		MedianMS: sum.TimeToRespond.MedianMS, P90MS: sum.TimeToRespond.P90MS,
		MeanMS: sum.TimeToRespond.MeanMS, AutomationRate: sum.AutomationRate,
		MinutesPerAlert: sum.MinutesPerAlert, TimeSavedMinutes: sum.TimeSavedMinutes,
	}
	for _, d := range sum.Days {
		v.Series = append(v.Series, web.DashboardDayView{Date: d.Date, Runs: d.Runs,
			Automated: d.Automated, MedianTimeToRespondMS: d.MedianTimeToRespondMS})
	}
	for _, p := range sum.TopPlaybooks {
		v.Top = append(v.Top, web.DashboardPlaybookView{ID: p.PlaybookID, Runs: p.Runs,
			SuccessRate: p.SuccessRate})
	}
	return v
}

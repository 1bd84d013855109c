// Package web renders the browser pages with templ and embeds the static
// assets, including the bundle of the playbook editor island.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// Echo context keys that the server's middleware sets before a page
// handler runs. ContextAllows holds a func(method, path string) bool that
// reports whether the signed-in role may use a route, written with echo's
// path syntax. Without it every navigation link is shown.
const (
	ContextCSRFToken = "csrf_token"
	ContextSubject   = "subject"
	ContextAllows    = "allows"
)

// PlaybookLister lists the latest version of every playbook.
type PlaybookLister interface {
	ListPlaybooks(ctx context.Context) ([]designer.Playbook, error)
}

// PlaybookGetter returns the latest version of a playbook, or an error
// wrapping runtime.ErrNotFound when there is none.
type PlaybookGetter interface {
	GetPlaybook(ctx context.Context, id string) (*designer.Playbook, error)
}

// RunGetter returns a run, or an error wrapping runtime.ErrNotFound when
// there is none.
type RunGetter interface {
	GetRun(ctx context.Context, id string) (*runtime.Run, error)
}

// Pages serves the signed-in pages. Playbooks is required. When it also
// implements PlaybookGetter or RunGetter, as the store does, the editor and
// run pages of an unknown id return a 404 page. Otherwise they render, and
// the island reports the missing object.
type Pages struct {
	Playbooks PlaybookLister
}

// Register adds the page routes to g. The group must already require a
// session and set ContextCSRFToken and ContextSubject. Static assets are not
// served here: the server mounts Static at /static/ outside the group so
// the sign-in page can load them.
func (p *Pages) Register(g *echo.Group) {
	g.GET("/", p.home)
	g.GET("/playbooks", p.playbookList)
	g.GET("/playbooks/new", p.playbookNew)
	g.GET("/playbooks/:id", p.playbookEdit)
	g.GET("/runs", p.runList)
	g.GET("/runs/:id", p.runView)
	g.GET("/actions", p.actionList)
	g.GET("/approvals", p.approvalList)
	g.GET("/favicon.ico", favicon)
}

func (p *Pages) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/playbooks")
}

func (p *Pages) playbookList(c echo.Context) error {
	ctx := c.Request().Context()
	playbooks, err := p.Playbooks.ListPlaybooks(ctx)
	if err != nil {
		return fmt.Errorf("page /playbooks: list playbooks: %w", err)
	}
	return render(c, http.StatusOK, playbookListPage(session(c), playbooks))
}

func (p *Pages) playbookNew(c echo.Context) error {
	return render(c, http.StatusOK, editorPage(session(c), ""))
}

func (p *Pages) playbookEdit(c echo.Context) error {
	id := c.Param("id")
	if getter, ok := p.Playbooks.(PlaybookGetter); ok {
		_, err := getter.GetPlaybook(c.Request().Context(), id)
		if errors.Is(err, runtime.ErrNotFound) {
			msg := T("errors.playbook_not_found", "id", id)
			return render(c, http.StatusNotFound, notFoundPage(session(c), "playbooks", msg))
		}
		if err != nil {
			return fmt.Errorf("page /playbooks/%s: get playbook: %w", id, err)
		}
	}
	return render(c, http.StatusOK, editorPage(session(c), id))
}

func (p *Pages) runList(c echo.Context) error {
	return render(c, http.StatusOK, runListPage(session(c)))
}

func (p *Pages) runView(c echo.Context) error {
	id := c.Param("id")
	if getter, ok := p.Playbooks.(RunGetter); ok {
		_, err := getter.GetRun(c.Request().Context(), id)
		if errors.Is(err, runtime.ErrNotFound) {
			msg := T("errors.run_not_found", "id", id)
			return render(c, http.StatusNotFound, notFoundPage(session(c), "runs", msg))
		}
		if err != nil {
			return fmt.Errorf("page /runs/%s: get run: %w", id, err)
		}
	}
	return render(c, http.StatusOK, runPage(session(c), id))
}

func (p *Pages) approvalList(c echo.Context) error {
	return render(c, http.StatusOK, approvalListPage(session(c)))
}

// favicon serves the icon at the path browsers request when a page links
// none.
func favicon(c echo.Context) error {
	icon, err := fs.ReadFile(Static, "favicon.svg")
	if err != nil {
		return fmt.Errorf("favicon: %w", err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", icon)
}

func (p *Pages) actionList(c echo.Context) error {
	return render(c, http.StatusOK, actionListPage(session(c)))
}

// sessionInfo is the signed-in user's name and CSRF token, which the layout
// shows and embeds, and the check of which pages the user's role may open.
type sessionInfo struct {
	Subject   string
	CSRFToken string
	allows    func(method, path string) bool
}

func session(c echo.Context) sessionInfo {
	subject, _ := c.Get(ContextSubject).(string)
	token, _ := c.Get(ContextCSRFToken).(string)
	allows, _ := c.Get(ContextAllows).(func(method, path string) bool)
	return sessionInfo{Subject: subject, CSRFToken: token, allows: allows}
}

// canOpen reports whether the user's role may open the page at path.
func (s sessionInfo) canOpen(path string) bool {
	return s.allows == nil || s.allows(http.MethodGet, path)
}

func render(c echo.Context, status int, component templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

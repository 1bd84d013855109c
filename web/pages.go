// Package web renders the browser pages with templ and embeds the static
// assets, including the bundle of the playbook editor island.
package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
)

// Echo context keys that the server's middleware sets before a page
// handler runs.
const (
	ContextCSRFToken = "csrf_token"
	ContextSubject   = "subject"
)

// PlaybookLister lists the latest version of every playbook.
type PlaybookLister interface {
	ListPlaybooks(ctx context.Context) ([]designer.Playbook, error)
}

// Pages serves the signed-in pages. Playbooks is required.
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
	return render(c, http.StatusOK, editorPage(session(c), c.Param("id")))
}

func (p *Pages) runList(c echo.Context) error {
	return render(c, http.StatusOK, runListPage(session(c)))
}

func (p *Pages) runView(c echo.Context) error {
	return render(c, http.StatusOK, runPage(session(c), c.Param("id")))
}

func (p *Pages) actionList(c echo.Context) error {
	return render(c, http.StatusOK, actionListPage(session(c)))
}

// sessionInfo is the signed-in user's name and CSRF token, which the layout
// shows and embeds.
type sessionInfo struct {
	Subject   string
	CSRFToken string
}

func session(c echo.Context) sessionInfo {
	subject, _ := c.Get(ContextSubject).(string)
	token, _ := c.Get(ContextCSRFToken).(string)
	return sessionInfo{Subject: subject, CSRFToken: token}
}

func render(c echo.Context, status int, component templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

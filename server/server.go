// Package server is the HTTP side of Updraft: the JSON API under /api/v1,
// webhooks, run event websockets, sign-in and the browser pages.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

// Store is the persistence the server needs. *store.Store implements it.
type Store interface {
	GetRun(ctx context.Context, id string) (*runtime.Run, error)
	ListRuns(ctx context.Context, filter store.RunFilter) ([]runtime.Run, error)
	ListSteps(ctx context.Context, runID string) ([]runtime.Step, error)
	ListEvents(ctx context.Context, runID string, afterSeq int64, limit int) ([]runtime.Event, error)

	InsertPlaybookVersion(ctx context.Context, p *designer.Playbook) error
	GetPlaybook(ctx context.Context, id string) (*designer.Playbook, error)
	GetPlaybookVersion(ctx context.Context, id string, version int) (*designer.Playbook, error)
	ListPlaybooks(ctx context.Context) ([]designer.Playbook, error)

	InsertWebhook(ctx context.Context, w *store.Webhook) error
	GetWebhook(ctx context.Context, token string) (*store.Webhook, error)
	ListWebhooks(ctx context.Context, playbookID string) ([]store.Webhook, error)

	InsertToken(ctx context.Context, t *store.Token) error
	GetTokenByHash(ctx context.Context, hash string) (*store.Token, error)
	GetToken(ctx context.Context, id string) (*store.Token, error)
	ListTokens(ctx context.Context) ([]store.Token, error)
	DeleteToken(ctx context.Context, id string) error
	CountTokens(ctx context.Context) (int64, error)

	InsertSession(ctx context.Context, s *store.Session) error
	GetSession(ctx context.Context, idHash string) (*store.Session, error)
	DeleteSession(ctx context.Context, idHash string) error
	DeleteTokenSessions(ctx context.Context, tokenID string) (int64, error)

	InsertAuditEntry(ctx context.Context, e *store.AuditEntry) error
	ListAuditEntries(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)

	Dashboard(ctx context.Context, q store.DashboardQuery) (*store.DashboardSummary, error)
}

// Engine starts, cancels and reruns runs, streams their events and
// answers approvals. *runtime.Engine implements it.
type Engine interface {
	Start(ctx context.Context, req runtime.StartRequest) (*runtime.Run, error)
	Subscribe(runID string) (events <-chan runtime.Event, cancel func())
	Cancel(ctx context.Context, runID string) error
	Rerun(ctx context.Context, runID, fromNode string) (*runtime.Run, error)

	Answer(ctx context.Context, approvalID, option, comment, by string) error
	GetApproval(ctx context.Context, id string) (*runtime.Approval, error)
	ListApprovals(ctx context.Context, f runtime.ApprovalFilter) ([]runtime.Approval, error)
}

// Catalog is the set of registered actions. *actions.Registry implements it.
type Catalog interface {
	designer.Catalog
	List() []actions.Action
}

// Config configures a Server. Store, Engine and Actions are required. Every
// other zero value takes the default its comment gives.
type Config struct {
	Store   Store
	Engine  Engine
	Actions Catalog
	Logger  *slog.Logger // nil discards logs

	// Publishing enables publishing and deprecating actions. When it is nil,
	// those routes respond 503.
	Publishing *Publishing

	// Secrets stores secret values; nil answers the secrets routes with
	// 503.
	Secrets SecretStore

	// PublicURL is the base of the webhook URLs the API returns, such as
	// "https://soar.example.com". Empty uses the scheme and host of each
	// request. An https URL also marks session cookies Secure.
	PublicURL string

	SessionTTL     time.Duration // session lifetime; 0 means 12 hours
	MaxAPIBody     int64         // JSON API body limit in bytes; 0 means 1 MiB
	MaxWebhookBody int64         // webhook body limit after decompression; 0 means 1 MiB

	// PingInterval is how often run event websockets are pinged; 0 means
	// 30 seconds. A client that sends no pong for two intervals is closed.
	PingInterval time.Duration

	// MinutesPerAlert is the analyst time, in minutes, that the dashboard
	// counts as saved by each automated run; 0 means
	// DefaultMinutesPerAlert.
	MinutesPerAlert int

	// Metrics is served at /metrics and counts webhook requests. When it
	// is nil, /metrics responds 404.
	Metrics *Metrics
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.MaxAPIBody <= 0 {
		c.MaxAPIBody = DefaultMaxAPIBody
	}
	if c.MaxWebhookBody <= 0 {
		c.MaxWebhookBody = DefaultMaxWebhookBody
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.MinutesPerAlert <= 0 {
		c.MinutesPerAlert = DefaultMinutesPerAlert
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	return c
}

// Server is the Updraft HTTP application.
type Server struct {
	cfg   Config
	store Store
	log   *slog.Logger
	echo  *echo.Echo

	routes *routeTable

	socketsMu sync.Mutex
	sockets   map[*eventStream]struct{}
	closing   bool
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Engine == nil || cfg.Actions == nil {
		return nil, errors.New("server: config needs Store, Engine and Actions")
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:     cfg,
		store:   cfg.Store,
		log:     cfg.Logger.With("component", "server"),
		sockets: make(map[*eventStream]struct{}),
	}
	s.echo = s.newEcho()
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// Shutdown closes the open event websockets, which http.Server.Shutdown
// does not track. New websocket upgrades are rejected from then on.
func (s *Server) Shutdown(ctx context.Context) error {
	s.socketsMu.Lock()
	s.closing = true
	streams := make([]*eventStream, 0, len(s.sockets))
	for stream := range s.sockets {
		streams = append(streams, stream)
	}
	s.socketsMu.Unlock()

	for _, stream := range streams {
		stream.closeGoingAway()
	}
	return ctx.Err()
}

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Pre(middleware.RequestID())
	e.Pre(securityHeaders)
	e.Pre(s.checkMethod)
	e.Use(restoreHead)
	e.Use(s.recoverPanic)

	e.GET("/healthz", s.healthz)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.POST("/hooks/:token", s.receiveWebhook, s.countWebhook)
	e.GET("/metrics", s.serveMetrics, s.requireAuth)
	e.StaticFS("/static", web.Static)

	api := e.Group("/api/v1", s.requireAuth)
	s.registerAPI(api)

	pages := e.Group("", s.requirePageSession)
	s.registerSecretRoutes(api, pages)
	s.registerTokenRoutes(api, pages)
	s.registerOpenAPIRoutes(api, pages)
	pages.GET("/dashboard", s.dashboardPage)
	(&web.Pages{Playbooks: s.store}).Register(pages)
	s.routes = newRouteTable(e.Routes())
	return e
}

func (s *Server) registerAPI(g *echo.Group) {
	g.GET("/playbooks", s.listPlaybooks)
	g.POST("/playbooks", s.createPlaybook, s.resolveActionRanges)
	g.GET("/playbooks/:id", s.getPlaybook)
	g.PUT("/playbooks/:id", s.updatePlaybook, s.resolveActionRanges)
	g.POST("/playbooks/:id/runs", s.startManualRun)
	g.GET("/runs", s.listRuns)
	g.GET("/runs/:id", s.getRun)
	g.GET("/runs/:id/events", s.streamRunEvents)
	g.POST("/runs/:id/cancel", s.cancelRun)
	g.POST("/runs/:id/rerun", s.rerunRun)
	g.GET("/dashboard", s.getDashboard)
	g.GET("/approvals", s.listApprovals)
	g.GET("/approvals/:id", s.getApproval)
	g.POST("/approvals/:id", s.answerApproval)
	g.GET("/actions", s.listActions)
	g.POST("/actions", s.publishAction)
	g.GET("/actions/:name", s.getActionVersions)
	g.GET("/actions/:name/:version", s.getActionVersion)
	g.POST("/actions/:name/:version/deprecate", s.deprecateAction)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// recoverPanic turns a handler panic into a 500 with the error shape.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = internalError(fmt.Errorf("handler panic: %v\n%s", r, debug.Stack()))
			}
		}()
		return next(c)
	}
}

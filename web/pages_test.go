package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

type fakeLister struct {
	playbooks []designer.Playbook
	err       error
}

func (f fakeLister) ListPlaybooks(context.Context) ([]designer.Playbook, error) {
	return f.playbooks, f.err
}

// newTestEcho registers the pages on a group that sets the values the
// server's session middleware would set.
func newTestEcho(lister PlaybookLister) *echo.Echo {
	e := echo.New()
	g := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(ContextSubject, "ana<admin>")
			c.Set(ContextCSRFToken, "csrf-123")
			return next(c)
		}
	})
	(&Pages{Playbooks: lister}).Register(g)
	return e
}

func get(t *testing.T, e *echo.Echo, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestPages_Routes(t *testing.T) {
	created := time.Date(2025, 3, 4, 5, 6, 0, 0, time.UTC)
	lister := fakeLister{playbooks: []designer.Playbook{
		{ID: "pb-1", Version: 3, Name: `<script>alert("x")</script>`, CreatedAt: created},
	}}
	e := newTestEcho(lister)

	tests := []struct {
		path    string
		want    []string
		notWant []string
	}{
		{
			path: "/playbooks",
			want: []string{
				`<meta name="csrf-token" content="csrf-123">`,
				`data-testid="playbook-pb-1"`,
				`href="/playbooks/pb-1"`,
				`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,
				`<td>3</td>`,
				`2025-03-04 05:06 UTC`,
				`Signed in as ana&lt;admin&gt;`,
				`name="csrf_token" value="csrf-123"`,
				`href="/playbooks/new"`,
			},
			notWant: []string{`<script>alert`, `src="/static/dist/editor.js"`},
		},
		{
			path: "/playbooks/new",
			want: []string{
				`data-island="editor"`,
				`data-playbook-id=""`,
				`<script type="module" src="/static/dist/editor.js"></script>`,
				`href="/static/dist/editor.css"`,
			},
		},
		{
			path: "/playbooks/pb%22x",
			want: []string{`data-island="editor"`, `data-playbook-id="pb&#34;x"`},
		},
		{path: "/runs/run-9", want: []string{`data-island="run"`, `data-run-id="run-9"`}},
		{path: "/actions", want: []string{`data-island="actions"`}},
		{path: "/runs", want: []string{`data-island="runs"`}},
		{
			path: "/approvals",
			want: []string{`data-island="approvals"`, `href="/approvals" aria-current="page"`},
		},
		{path: "/playbooks", want: []string{`<link rel="icon" href="/static/favicon.svg"`}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, e, tt.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body:\n%s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get(echo.HeaderContentType); ct != echo.MIMETextHTMLCharsetUTF8 {
				t.Errorf("content type = %q, want %q", ct, echo.MIMETextHTMLCharsetUTF8)
			}
			body := rec.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q; body:\n%s", s, body)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q", s)
				}
			}
		})
	}
}

// fakeStore is a fakeLister that also gets playbooks and runs by id, as the
// store does.
type fakeStore struct {
	fakeLister
	playbooks map[string]bool
	runs      map[string]bool
	err       error
}

func (f fakeStore) GetPlaybook(_ context.Context, id string) (*designer.Playbook, error) {
	if f.err != nil {
		return nil, f.err
	}
	if !f.playbooks[id] {
		return nil, fmt.Errorf("playbook %q: %w", id, runtime.ErrNotFound)
	}
	return &designer.Playbook{ID: id}, nil
}

func (f fakeStore) GetRun(_ context.Context, id string) (*runtime.Run, error) {
	if f.err != nil {
		return nil, f.err
	}
	if !f.runs[id] {
		return nil, fmt.Errorf("run %q: %w", id, runtime.ErrNotFound)
	}
	return &runtime.Run{ID: id}, nil
}

func TestPages_UnknownIDIsNotFound(t *testing.T) {
	e := newTestEcho(fakeStore{
		playbooks: map[string]bool{"pb-1": true},
		runs:      map[string]bool{"run-1": true},
	})
	tests := []struct {
		path string
		code int
		want string
	}{
		{path: "/playbooks/pb-1", code: http.StatusOK, want: `data-island="editor"`},
		{path: "/playbooks/nope", code: http.StatusNotFound, want: "There is no playbook nope."},
		{path: "/runs/run-1", code: http.StatusOK, want: `data-island="run"`},
		{path: "/runs/nope", code: http.StatusNotFound, want: "There is no run nope."},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, e, tt.path)
			if rec.Code != tt.code {
				t.Errorf("status = %d, want %d", rec.Code, tt.code)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("body lacks %q; body:\n%s", tt.want, rec.Body)
			}
		})
	}
}

func TestPages_GetErrorIsReturned(t *testing.T) {
	errStore := errors.New("store down")
	e := newTestEcho(fakeStore{err: errStore})
	for _, path := range []string{"/playbooks/pb-1", "/runs/run-1"} {
		t.Run(path, func(t *testing.T) {
			var got error
			e.HTTPErrorHandler = func(err error, c echo.Context) {
				got = err
				_ = c.NoContent(http.StatusInternalServerError)
			}
			get(t, e, path)
			if !errors.Is(got, errStore) {
				t.Fatalf("error = %v, want one wrapping %v", got, errStore)
			}
		})
	}
}

func TestPages_Favicon(t *testing.T) {
	rec := get(t, newTestEcho(fakeLister{}), "/favicon.ico")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get(echo.HeaderContentType); ct != "image/svg+xml" {
		t.Errorf("content type = %q, want image/svg+xml", ct)
	}
	if !strings.HasPrefix(rec.Body.String(), "<svg") {
		t.Errorf("body = %.40q, want an SVG document", rec.Body)
	}
}

func TestPages_HomeRedirects(t *testing.T) {
	rec := get(t, newTestEcho(fakeLister{}), "/")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", rec.Code)
	}
	if loc := rec.Header().Get("Location"); loc != "/playbooks" {
		t.Errorf("Location = %q, want /playbooks", loc)
	}
}

func TestPages_EmptyList(t *testing.T) {
	rec := get(t, newTestEcho(fakeLister{}), "/playbooks")
	if !strings.Contains(rec.Body.String(), T("playbooks.empty")) {
		t.Errorf("body lacks the empty-list message; body:\n%s", rec.Body)
	}
}

func TestPages_ListErrorIsReturned(t *testing.T) {
	errStore := errors.New("store down")
	e := newTestEcho(fakeLister{err: errStore})
	var got error
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		got = err
		_ = c.NoContent(http.StatusInternalServerError)
	}
	get(t, e, "/playbooks")
	if !errors.Is(got, errStore) {
		t.Fatalf("error = %v, want one wrapping %v", got, errStore)
	}
}

func TestLoginPage(t *testing.T) {
	tests := []struct {
		name    string
		errMsg  string
		want    []string
		notWant []string
	}{
		{
			name:    "without error",
			want:    []string{`action="/login"`, `name="token"`},
			notWant: []string{`data-testid="login-error"`},
		},
		{
			name:   "with escaped error",
			errMsg: "bad <token>",
			want:   []string{`data-testid="login-error">bad &lt;token&gt;</p>`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := LoginPage(tt.errMsg).Render(t.Context(), &b); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(b.String(), s) {
					t.Errorf("page lacks %q; page:\n%s", s, b.String())
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(b.String(), s) {
					t.Errorf("page contains %q", s)
				}
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		key  string
		args []string
		want string
	}{
		{key: "nav.playbooks", want: "Playbooks"},
		{key: "nav.signed_in_as", args: []string{"name", "ana"}, want: "Signed in as ana"},
		{key: "nav.no_such_key", want: "nav.no_such_key"},
		{key: "nav", want: "nav"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := T(tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestStatic_ServesAppCSS(t *testing.T) {
	if err := fstest.TestFS(Static, "app.css", "favicon.svg", "dist/.gitkeep"); err != nil {
		t.Fatal(err)
	}
}

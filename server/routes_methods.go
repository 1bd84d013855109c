package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// routeTable lists the methods registered for each route path, so that a
// request to a known path with another method gets 405 before any group
// middleware (sign-in, CSRF) sees it.
type routeTable struct {
	routes []routeMethods
}

type routeMethods struct {
	segments []string // split echo path, such as "api", "v1", "runs", ":id"
	methods  []string
}

// newRouteTable collects the routes of e. The catch-all routes that echo
// adds for group middleware are left out.
func newRouteTable(routes []*echo.Route) *routeTable {
	t := &routeTable{}
	index := make(map[string]int)
	for _, r := range routes {
		if r.Method == echo.RouteNotFound {
			continue
		}
		i, ok := index[r.Path]
		if !ok {
			i = len(t.routes)
			index[r.Path] = i
			t.routes = append(t.routes, routeMethods{segments: splitPath(r.Path)})
		}
		if !slices.Contains(t.routes[i].methods, r.Method) {
			t.routes[i].methods = append(t.routes[i].methods, r.Method)
		}
	}
	return t
}

func splitPath(path string) []string {
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}

// allowed returns the methods of every route whose pattern matches path,
// with HEAD added where GET is registered, or nil when no route matches.
func (t *routeTable) allowed(path string) []string {
	segments := splitPath(path)
	var methods []string
	for _, r := range t.routes {
		if !matchSegments(r.segments, segments) {
			continue
		}
		for _, m := range r.methods {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		methods = append(methods, http.MethodHead)
	}
	slices.Sort(methods)
	return methods
}

// matchSegments matches echo's path syntax: ":name" is one non-empty
// segment, and a segment with "*" matches its prefix and the rest of the
// path.
func matchSegments(pattern, path []string) bool {
	for i, p := range pattern {
		if prefix, _, wild := strings.Cut(p, "*"); wild {
			return i < len(path) && strings.HasPrefix(path[i], prefix)
		}
		if i >= len(path) {
			return false
		}
		switch {
		case strings.HasPrefix(p, ":"):
			if path[i] == "" {
				return false
			}
		case p != path[i]:
			return false
		}
	}
	return len(pattern) == len(path)
}

// headAsGetKey marks, in the echo context, a HEAD request routed as GET.
const headAsGetKey = "updraft.head_as_get"

// checkMethod runs before routing. A request to a known path with a method
// that no route of that path takes is 405 with an Allow header. A HEAD
// request is routed as GET, and restoreHead sets the method back so that
// net/http sends the headers and drops the body.
func (s *Server) checkMethod(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		path := req.URL.Path
		method := req.Method
		headAsGet := method == http.MethodHead && !s.routes.registersHead(path)
		if headAsGet {
			method = http.MethodGet
		}
		if allowed := s.routes.allowed(path); len(allowed) > 0 && !slices.Contains(allowed, method) {
			c.Response().Header().Set(echo.HeaderAllow, strings.Join(allowed, ", "))
			return errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed,
				"%s is not allowed on this path; use %s", req.Method, strings.Join(allowed, ", "))
		}
		if headAsGet {
			// echo routes by the method of the request that ServeHTTP
			// received, so that request itself changes.
			req.Method = http.MethodGet
			c.Set(headAsGetKey, true)
		}
		return next(c)
	}
}

// restoreHead runs after routing and gives a HEAD request that was routed
// as GET its method back.
func restoreHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if asGet, _ := c.Get(headAsGetKey).(bool); asGet {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}

// registersHead reports whether a route of path registers HEAD itself.
func (t *routeTable) registersHead(path string) bool {
	segments := splitPath(path)
	for _, r := range t.routes {
		if matchSegments(r.segments, segments) && slices.Contains(r.methods, http.MethodHead) {
			return true
		}
	}
	return false
}

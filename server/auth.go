package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/web"
)

// Names of the session cookie and the CSRF header.
const (
	sessionCookie = "updraft_session"
	csrfHeader    = "X-CSRF-Token"
	csrfFormField = "csrf_token"
)

const principalKey = "principal"

// principal is the caller of a request: a bearer token or a browser
// session.
type principal struct {
	Subject     string // the token's name
	Role        string
	TokenID     string // public ID of the token, or empty for a session older than that field
	SessionHash string // empty for a bearer token
	CSRFToken   string // empty for a bearer token
}

func isSafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// authenticate returns the caller from the bearer token or the session
// cookie, or nil when the request carries neither. A bearer token that is
// not valid is an error, but a stale cookie counts as no credentials.
func (s *Server) authenticate(c echo.Context) (*principal, error) {
	ctx := c.Request().Context()
	if header := c.Request().Header.Get(echo.HeaderAuthorization); header != "" {
		scheme, token, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return nil, errorf(http.StatusUnauthorized, codeUnauthorized,
				"the Authorization header must be \"Bearer <token>\"")
		}
		record, err := s.store.GetTokenByHash(ctx, HashToken(strings.TrimSpace(token)))
		if errors.Is(err, runtime.ErrNotFound) {
			return nil, errorf(http.StatusUnauthorized, codeUnauthorized, "the bearer token is not valid")
		}
		if err != nil {
			return nil, internalError(err)
		}
		return &principal{Subject: record.Name, Role: record.Role, TokenID: record.ID}, nil
	}

	cookie, err := c.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return nil, nil
	}
	hash := HashToken(cookie.Value)
	session, err := s.store.GetSession(ctx, hash)
	if errors.Is(err, runtime.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internalError(err)
	}
	return &principal{
		Subject:     session.Subject,
		Role:        session.Role,
		TokenID:     session.TokenID,
		SessionHash: hash,
		CSRFToken:   session.CSRFToken,
	}, nil
}

// requireAuth guards the API. It needs a bearer token or a session, and
// for a session an X-CSRF-Token header on every unsafe method. Then the
// caller's role must have the permission of the route's rule, and a route
// whose rule names an audit action writes an audit entry.
func (s *Server) requireAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.authenticate(c)
		if err != nil {
			return err
		}
		if p == nil {
			return errorf(http.StatusUnauthorized, codeUnauthorized,
				"sign in, or send the header \"Authorization: Bearer <token>\"")
		}
		rule, err := ruleFor(c)
		if err != nil {
			return err
		}
		return s.audited(c, p, rule, func() error {
			method := c.Request().Method
			if p.SessionHash != "" && !isSafeMethod(method) &&
				!tokensEqual(c.Request().Header.Get(csrfHeader), p.CSRFToken) {
				return errorf(http.StatusForbidden, codeCSRF,
					"the %s header is missing or does not match the session; reload the page", csrfHeader)
			}
			if err := authorize(p.Role, rule.perm); err != nil {
				return err
			}
			setPrincipal(c, p)
			return next(c)
		})
	}
}

// requirePageSession guards the browser pages: without a session a GET is
// redirected to the sign-in page. The caller's role must have the
// permission of the route's rule. Form handlers check the CSRF token
// themselves, with readPageForm.
func (s *Server) requirePageSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.authenticate(c)
		if err != nil {
			return err
		}
		if p == nil {
			if isSafeMethod(c.Request().Method) {
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			return errorf(http.StatusUnauthorized, codeUnauthorized, "sign in first")
		}
		rule, err := ruleFor(c)
		if err != nil {
			return err
		}
		return s.audited(c, p, rule, func() error {
			if err := authorize(p.Role, rule.perm); err != nil {
				return err
			}
			setPrincipal(c, p)
			return next(c)
		})
	}
}

func setPrincipal(c echo.Context, p *principal) {
	c.Set(principalKey, p)
	c.Set(web.ContextSubject, p.Subject)
	c.Set(web.ContextCSRFToken, p.CSRFToken)
	c.Set(web.ContextAllows, func(method, path string) bool {
		return routeAllowed(p.Role, method, path)
	})
}

// roleOf returns the role of the caller that the auth middleware stored,
// or "" when none is stored.
func roleOf(c echo.Context) string {
	if p, ok := c.Get(principalKey).(*principal); ok {
		return p.Role
	}
	return ""
}

// subjectOf returns who made the request, or "" when no one signed in.
func subjectOf(c echo.Context) string {
	if p, ok := c.Get(principalKey).(*principal); ok {
		return p.Subject
	}
	return ""
}

// tokensEqual compares two secrets in constant time. An empty expected
// value never matches.
func tokensEqual(got, expected string) bool {
	if expected == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(expected)) == 1
}

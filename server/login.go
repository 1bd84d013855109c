package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

// maxFormBody caps the sign-in and sign-out form bodies.
const maxFormBody = 64 << 10

// Audit actions of signing in and out. A failed sign-in has no actor.
const (
	auditLogin  = "session.login"
	auditLogout = "session.logout"
)

// tokenTarget returns the audit target of a token, or "" for a session
// from before sessions kept their token's ID.
func tokenTarget(id string) string {
	if id == "" {
		return ""
	}
	return "token:" + id
}

func (s *Server) loginPage(c echo.Context) error {
	p, err := s.authenticate(c)
	if err == nil && p != nil && p.SessionHash != "" {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return renderPage(c, http.StatusOK, web.LoginPage(""))
}

// login checks the API token posted in the form field "token" and starts a
// browser session for it.
func (s *Server) login(c echo.Context) error {
	if !s.sameOrigin(c.Request()) {
		s.writeAudit(c, &store.AuditEntry{Action: auditLogin, Outcome: store.AuditDenied})
		return errorf(http.StatusForbidden, codeOriginNotAllowed, "sign-in from another origin is not allowed")
	}
	form, err := readForm(c)
	if err != nil {
		return err
	}
	token := strings.TrimSpace(form.Get("token"))
	ctx := c.Request().Context()
	record, err := s.store.GetTokenByHash(ctx, HashToken(token))
	if token == "" || errors.Is(err, runtime.ErrNotFound) {
		s.log.Info("sign-in rejected", "remote_ip", c.RealIP())
		s.writeAudit(c, &store.AuditEntry{Action: auditLogin, Outcome: store.AuditFailure})
		return renderPage(c, http.StatusUnauthorized,
			web.LoginPage("That token is not valid. Paste an API token that an admin gave you."))
	}
	if err != nil {
		return internalError(err)
	}

	sessionID, err := randomString(32)
	if err != nil {
		return internalError(err)
	}
	csrfToken, err := randomString(32)
	if err != nil {
		return internalError(err)
	}
	now := time.Now().UTC()
	session := &store.Session{
		ID:        HashToken(sessionID),
		Subject:   record.Name,
		Role:      record.Role,
		TokenID:   record.ID,
		CSRFToken: csrfToken,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionTTL),
	}
	if err := s.store.InsertSession(ctx, session); err != nil {
		return internalError(err)
	}
	c.SetCookie(s.sessionCookie(c, sessionID, session.ExpiresAt))
	s.log.Info("session started", "subject", record.Name)
	s.writeAudit(c, &store.AuditEntry{Actor: record.Name, Role: record.Role, Action: auditLogin,
		Target: tokenTarget(record.ID), Outcome: store.AuditSuccess})
	return c.Redirect(http.StatusSeeOther, "/")
}

// logout ends the session. The form must carry the session's CSRF token.
func (s *Server) logout(c echo.Context) error {
	p, err := s.authenticate(c)
	if err != nil {
		return err
	}
	if p != nil && p.SessionHash != "" {
		form, err := readForm(c)
		if err != nil {
			return err
		}
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = form.Get(csrfFormField)
		}
		if !tokensEqual(got, p.CSRFToken) {
			return errorf(http.StatusForbidden, codeCSRF, "the sign-out form is stale; reload the page")
		}
		if err := s.store.DeleteSession(c.Request().Context(), p.SessionHash); err != nil &&
			!errors.Is(err, runtime.ErrNotFound) {
			return internalError(err)
		}
		s.writeAudit(c, &store.AuditEntry{Actor: p.Subject, Role: p.Role, Action: auditLogout,
			Target: tokenTarget(p.TokenID), Outcome: store.AuditSuccess})
	}
	c.SetCookie(s.sessionCookie(c, "", time.Unix(0, 0)))
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) sessionCookie(c echo.Context, value string, expires time.Time) *http.Cookie {
	cookie := &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   c.Request().TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://"),
	}
	if value == "" {
		cookie.MaxAge = -1
	}
	return cookie
}

// readForm parses a form-encoded body of at most maxFormBody bytes.
func readForm(c echo.Context) (url.Values, error) {
	body, err := readBody(c, maxFormBody, "form body")
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    codeInvalidBody,
			Message: "form body cannot be parsed",
			Cause:   err,
		}
	}
	return form, nil
}

// sameOrigin reports whether the request's Origin header, when present,
// names this server: the request's host or the host of the public URL.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	if public, err := url.Parse(s.cfg.PublicURL); err == nil && public.Host != "" {
		return strings.EqualFold(u.Host, public.Host)
	}
	return false
}

// renderPage writes an HTML page.
func renderPage(c echo.Context, status int, page templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return page.Render(c.Request().Context(), c.Response())
}

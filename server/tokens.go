package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

// maxTokenName is the longest token name in characters. The name is the
// actor of the audit log and the "answered by" of approvals.
const maxTokenName = 64

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// tokenResponse describes an API token. Token is set only in the response
// that creates it, because the server keeps only its hash.
type tokenResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	Token     string    `json:"token,omitempty"`
}

func newTokenResponse(t *store.Token) tokenResponse {
	return tokenResponse{ID: t.ID, Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt}
}

func (s *Server) registerTokenRoutes(api, pages *echo.Group) {
	api.GET("/tokens", s.listTokens)
	api.POST("/tokens", s.createTokenAPI)
	api.DELETE("/tokens/:id", s.revokeTokenAPI)
	api.GET("/audit", s.listAudit)

	pages.GET("/tokens", s.tokensPage)
	pages.POST("/tokens", s.tokensFormCreate)
	pages.POST("/tokens/:id/revoke", s.tokensFormRevoke)
	pages.GET("/audit", s.auditPage)
}

// listTokens returns every token, oldest first, without the token values.
func (s *Server) listTokens(c echo.Context) error {
	tokens, err := s.store.ListTokens(c.Request().Context())
	if err != nil {
		return internalError(err)
	}
	list := make([]tokenResponse, len(tokens))
	for i := range tokens {
		list[i] = newTokenResponse(&tokens[i])
	}
	return c.JSON(http.StatusOK, list)
}

// createTokenAPI creates a token and responds 201 with its value, which no
// later response repeats.
func (s *Server) createTokenAPI(c echo.Context) error {
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return err
	}
	var req tokenRequest
	if err := decodeObject(body, &req, "token request"); err != nil {
		return err
	}
	record, token, err := s.createToken(c, req)
	if err != nil {
		return err
	}
	resp := newTokenResponse(record)
	resp.Token = token
	return c.JSON(http.StatusCreated, resp)
}

// createToken checks req, stores a new token with a fresh value and
// returns the record and the value. A name or role that is not valid is a
// 422 whose problems name the field, and a name in use is a 409.
func (s *Server) createToken(c echo.Context, req tokenRequest) (*store.Token, string, error) {
	ctx := c.Request().Context()
	name := strings.TrimSpace(req.Name)
	if err := checkTokenRequest(name, req.Role); err != nil {
		return nil, "", err
	}
	if err := s.checkTokenNameFree(ctx, name); err != nil {
		return nil, "", err
	}

	token, err := NewToken()
	if err != nil {
		return nil, "", internalError(err)
	}
	id, err := randomString(12)
	if err != nil {
		return nil, "", internalError(err)
	}
	record := &store.Token{ID: id, Name: name, Role: req.Role, Hash: HashToken(token),
		CreatedAt: time.Now().UTC()}
	if err := s.store.InsertToken(ctx, record); err != nil {
		return nil, "", internalError(err)
	}
	setAuditTarget(c, "token:"+id)
	s.log.Info("token created", "token_id", id, "token_name", name, "role", req.Role,
		"subject", subjectOf(c))
	return record, token, nil
}

// checkTokenRequest returns a 422 that lists every field at fault.
func checkTokenRequest(name, role string) error {
	var problems []designer.Problem
	if msg := tokenNameProblem(name); msg != "" {
		problems = append(problems, designer.Problem{Field: "name", Message: msg})
	}
	switch {
	case role == "":
		problems = append(problems, designer.Problem{Field: "role",
			Message: "role is missing; use " + joinRoles(Roles)})
	case !ValidRole(role):
		problems = append(problems, designer.Problem{Field: "role",
			Message: fmt.Sprintf("role %q is not valid; use %s", role, joinRoles(Roles))})
	}
	if len(problems) == 0 {
		return nil
	}
	messages := make([]string, len(problems))
	for i, p := range problems {
		messages[i] = p.Field + ": " + p.Message
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: codeBadRequest,
		Message: "token request: " + strings.Join(messages, "; "), Problems: problems}
}

// tokenNameProblem returns why name cannot name a token, or "".
func tokenNameProblem(name string) string {
	switch {
	case name == "":
		return `name is missing; name the person or system that uses the token, such as "ana" or "siem"`
	case utf8.RuneCountInString(name) > maxTokenName:
		return fmt.Sprintf("name is longer than %d characters", maxTokenName)
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "name contains a control character"
	}
	return ""
}

// checkTokenNameFree returns a 409 when a token already has name, because
// the name identifies the actor in the audit log.
func (s *Server) checkTokenNameFree(ctx context.Context, name string) error {
	tokens, err := s.store.ListTokens(ctx)
	if err != nil {
		return internalError(err)
	}
	for _, t := range tokens {
		if strings.EqualFold(t.Name, name) {
			return errorf(http.StatusConflict, codeConflict,
				"a token named %q exists; choose another name or revoke that token first", t.Name)
		}
	}
	return nil
}

// revokeTokenAPI revokes the token whose id is in the path and responds
// 204.
func (s *Server) revokeTokenAPI(c echo.Context) error {
	if err := s.revokeToken(c, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// revokeToken deletes a token and ends the browser sessions started with
// it. The last admin token cannot be revoked, so that someone can still
// manage tokens.
func (s *Server) revokeToken(c echo.Context, id string) error {
	ctx := c.Request().Context()
	record, err := s.store.GetToken(ctx, id)
	if err != nil {
		return storeError(err, fmt.Sprintf("token %q not found", id))
	}
	if record.Role == RoleAdmin {
		if err := s.checkOtherAdmin(ctx, record); err != nil {
			return err
		}
	}

	if err := s.store.DeleteToken(ctx, id); err != nil {
		return storeError(err, fmt.Sprintf("token %q not found", id))
	}
	ended, err := s.store.DeleteTokenSessions(ctx, id)
	if err != nil {
		return internalError(err)
	}
	s.log.Info("token revoked", "token_id", id, "token_name", record.Name, "sessions_ended", ended,
		"subject", subjectOf(c))
	return nil
}

// checkOtherAdmin returns a 409 unless a token other than record has the
// admin role.
func (s *Server) checkOtherAdmin(ctx context.Context, record *store.Token) error {
	tokens, err := s.store.ListTokens(ctx)
	if err != nil {
		return internalError(err)
	}
	for _, t := range tokens {
		if t.Role == RoleAdmin && t.ID != record.ID {
			return nil
		}
	}
	return errorf(http.StatusConflict, codeConflict,
		"token %q is the last admin token; create another admin token before revoking it", record.ID)
}

// tokensPage renders the admin page that lists, creates and revokes
// tokens.
func (s *Server) tokensPage(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, web.TokenForm{}, nil, "")
}

// renderTokens renders the tokens page. created, when not nil, is a token
// just created, which the page shows once with its value.
func (s *Server) renderTokens(c echo.Context, status int, form web.TokenForm,
	created *web.CreatedToken, problem string) error {
	tokens, err := s.store.ListTokens(c.Request().Context())
	if err != nil {
		return internalError(err)
	}
	items := make([]web.TokenItem, len(tokens))
	for i, t := range tokens {
		items[i] = web.TokenItem{ID: t.ID, Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt}
	}
	return renderPage(c, status, web.TokensPage(c, web.TokensView{
		Tokens: items, Roles: roleGrants(), Form: form, Created: created, Problem: problem,
	}))
}

// tokensFormCreate creates the token of the page's form and shows the page
// with the new token's value.
func (s *Server) tokensFormCreate(c echo.Context) error {
	values, err := s.readPageForm(c, maxFormBody)
	if err != nil {
		return err
	}
	form := web.TokenForm{Name: values.Get("name"), Role: values.Get("role")}
	record, token, err := s.createToken(c, tokenRequest(form))
	if apiErr, ok := errors.AsType[*Error](err); ok && apiErr.Status < 500 {
		return s.renderTokens(c, apiErr.Status, form, nil, apiErr.Message)
	}
	if err != nil {
		return err
	}
	created := &web.CreatedToken{Name: record.Name, Role: record.Role, Token: token}
	return s.renderTokens(c, http.StatusOK, web.TokenForm{}, created, "")
}

// tokensFormRevoke revokes a token from the page and returns to it.
func (s *Server) tokensFormRevoke(c echo.Context) error {
	if _, err := s.readPageForm(c, maxFormBody); err != nil {
		return err
	}
	err := s.revokeToken(c, c.Param("id"))
	if apiErr, ok := errors.AsType[*Error](err); ok && apiErr.Status < 500 {
		return s.renderTokens(c, apiErr.Status, web.TokenForm{}, nil, apiErr.Message)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/tokens")
}

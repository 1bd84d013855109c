package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

// SecretStore keeps encrypted secrets. *store.SecretStore implements it.
// No route ever reads a value back.
type SecretStore interface {
	PutSecret(ctx context.Context, name, value string) (created bool, err error)
	ListSecrets(ctx context.Context) ([]store.SecretInfo, error)
	DeleteSecret(ctx context.Context, name string) error
}

const codeSecretsDisabled = "secrets_disabled"

// maxSecretBody caps a secret request body: the value JSON-escaped, in the
// worst case six bytes per byte, and the surrounding object.
const maxSecretBody = 6*store.MaxSecretBytes + 1024

// secretRequest is the body of PUT /api/v1/secrets/{name}.
type secretRequest struct {
	Value string `json:"value"`
}

// secretResponse describes a stored secret without its value.
type secretResponse struct {
	Name    string `json:"name"`
	Created bool   `json:"created"`
}

func (s *Server) registerSecretRoutes(api, pages *echo.Group) {
	api.GET("/secrets", s.listSecrets)
	api.PUT("/secrets/:name", s.putSecret)
	api.DELETE("/secrets/:name", s.deleteSecret)

	pages.GET("/secrets", s.secretsPage)
	pages.POST("/secrets", s.secretsFormPut)
	pages.POST("/secrets/:name/delete", s.secretsFormDelete)
}

func (s *Server) secrets() (SecretStore, error) {
	if s.cfg.Secrets == nil {
		return nil, errorf(http.StatusServiceUnavailable, codeSecretsDisabled,
			"this server has no secret store configured")
	}
	return s.cfg.Secrets, nil
}

func (s *Server) listSecrets(c echo.Context) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	list, err := secrets.ListSecrets(c.Request().Context())
	if err != nil {
		return internalError(err)
	}
	return c.JSON(http.StatusOK, list)
}

// putSecret creates or replaces a secret: 201 when it is new, 200 when it
// replaced a value. The value is never returned.
func (s *Server) putSecret(c echo.Context) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	name := c.Param("name")
	if err := store.CheckSecretName(name); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: codeBadRequest, Message: err.Error()}
	}
	body, err := readBody(c, maxSecretBody, "request body")
	if err != nil {
		return err
	}
	var req secretRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		// The decoder's message may quote the body, which holds the value.
		return errorf(http.StatusBadRequest, codeInvalidJSON,
			`request body must be {"value": "..."} with a string value`)
	}

	created, err := s.storeSecret(c, secrets, name, req.Value)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, secretResponse{Name: name, Created: created})
}

// storeSecret stores a secret and names its audit entry secret.create or
// secret.replace.
func (s *Server) storeSecret(c echo.Context, secrets SecretStore, name, value string) (bool, error) {
	setAuditTarget(c, "secret:"+name)
	created, err := secrets.PutSecret(c.Request().Context(), name, value)
	if errors.Is(err, runtime.ErrInvalid) {
		return false, &Error{Status: http.StatusUnprocessableEntity, Code: codeBadRequest,
			Message: err.Error()}
	}
	if err != nil {
		return false, internalError(err)
	}
	s.log.Info("secret stored", "secret", name, "created", created, "subject", subjectOf(c))
	if created {
		setAuditAction(c, "secret.create")
	} else {
		setAuditAction(c, "secret.replace")
	}
	return created, nil
}

func (s *Server) deleteSecret(c echo.Context) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	name := c.Param("name")
	if err := secrets.DeleteSecret(c.Request().Context(), name); err != nil {
		return storeError(err, fmt.Sprintf("secret %q not found", name))
	}
	s.log.Info("secret deleted", "secret", name, "subject", subjectOf(c))
	return c.NoContent(http.StatusNoContent)
}

// secretsPage renders the admin page that lists, adds, replaces and
// deletes secrets.
func (s *Server) secretsPage(c echo.Context) error {
	return s.renderSecrets(c, http.StatusOK, "")
}

func (s *Server) renderSecrets(c echo.Context, status int, problem string) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	list, err := secrets.ListSecrets(c.Request().Context())
	if err != nil {
		return internalError(err)
	}
	items := make([]web.SecretItem, len(list))
	for i, info := range list {
		items[i] = web.SecretItem{Name: info.Name, UpdatedAt: info.UpdatedAt}
	}
	return renderPage(c, status, web.SecretsPage(c, items, problem))
}

// secretsFormPut stores the secret of the page's form and returns to the
// page.
func (s *Server) secretsFormPut(c echo.Context) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	form, err := s.readPageForm(c, maxSecretBody)
	if err != nil {
		return err
	}
	name := form.Get("name")
	setAuditTarget(c, "secret:"+name)
	if err := store.CheckSecretName(name); err != nil {
		return s.renderSecrets(c, http.StatusUnprocessableEntity, err.Error())
	}
	_, err = s.storeSecret(c, secrets, name, form.Get("value"))
	if apiErr, ok := errors.AsType[*Error](err); ok && apiErr.Status < 500 {
		return s.renderSecrets(c, http.StatusUnprocessableEntity, apiErr.Message)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/secrets")
}

func (s *Server) secretsFormDelete(c echo.Context) error {
	secrets, err := s.secrets()
	if err != nil {
		return err
	}
	if _, err := s.readPageForm(c, maxFormBody); err != nil {
		return err
	}
	name := c.Param("name")
	err = secrets.DeleteSecret(c.Request().Context(), name)
	if err != nil && !errors.Is(err, runtime.ErrNotFound) {
		return internalError(err)
	}
	s.log.Info("secret deleted", "secret", name, "subject", subjectOf(c))
	return c.Redirect(http.StatusSeeOther, "/secrets")
}

// readPageForm reads a form posted from a page, which must come from this
// origin and carry the session's CSRF token.
func (s *Server) readPageForm(c echo.Context, limit int64) (url.Values, error) {
	if !s.sameOrigin(c.Request()) {
		return nil, errorf(http.StatusForbidden, codeOriginNotAllowed, "forms from another origin are not allowed")
	}
	body, err := readBody(c, limit, "form body")
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: codeInvalidBody,
			Message: "form body cannot be parsed", Cause: err}
	}
	p, _ := c.Get(principalKey).(*principal)
	if p == nil || !tokensEqual(form.Get(csrfFormField), p.CSRFToken) {
		return nil, errorf(http.StatusForbidden, codeCSRF, "the form is stale; reload the page")
	}
	return form, nil
}

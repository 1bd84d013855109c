package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin"
	"github.com/updraftsoar/updraft/runtime"
)

// maxSpecBody caps the body of POST /api/v1/actions/from-openapi, because
// OpenAPI documents of large APIs run to several MiB.
const maxSpecBody = 16 << 20

const codeInvalidSpec = "invalid_spec"

// OpenAPIRequest is the body of POST /api/v1/actions/from-openapi.
type OpenAPIRequest struct {
	Spec       string   `json:"spec"`       // OpenAPI 3.0 or 3.1 document, JSON or YAML
	Operations []string `json:"operations"` // operationIds
	Server     string   `json:"server,omitempty"`
	API        string   `json:"api,omitempty"`
	Version    string   `json:"version,omitempty"`
	Publish    bool     `json:"publish"` // false only returns the manifests
}

// OpenAPIResult is one generated action in the response.
type OpenAPIResult struct {
	Manifest  actions.Manifest `json:"manifest"`
	Published bool             `json:"published"`
	Created   bool             `json:"created"` // a new version was stored
}

// OpenAPIResponse is the response of POST /api/v1/actions/from-openapi.
type OpenAPIResponse struct {
	Actions []OpenAPIResult `json:"actions"`
}

// fromOpenAPI generates actions from OpenAPI operations and, when asked,
// publishes them with the bundled module.
func (s *Server) fromOpenAPI(c echo.Context) error {
	body, err := readBody(c, maxSpecBody, "request body")
	if err != nil {
		return err
	}
	var req OpenAPIRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: codeInvalidJSON,
			Message: "request cannot be decoded: " + err.Error(), Cause: err}
	}
	auditOpenAPI(c, &req, nil)
	resp, err := s.generateOpenAPI(c.Request().Context(), &req, subjectOf(c))
	if err != nil {
		return err
	}
	auditOpenAPI(c, &req, resp)
	return c.JSON(http.StatusOK, resp)
}

// auditOpenAPI drops the audit entry of a preview, which stores nothing.
// The target of a publish is the operations requested and, once resp is
// set, the published actions, such as "action:pets.get_pet_by_id@1.0.0".
func auditOpenAPI(c echo.Context, req *OpenAPIRequest, resp *OpenAPIResponse) {
	if !req.Publish {
		skipAudit(c)
		return
	}
	if resp == nil {
		setAuditTarget(c, "openapi:"+strings.Join(req.Operations, ","))
		return
	}
	refs := make([]string, len(resp.Actions))
	for i, r := range resp.Actions {
		refs[i] = "action:" + r.Manifest.Ref()
	}
	setAuditTarget(c, strings.Join(refs, " "))
}

// generateOpenAPI generates and, with req.Publish, publishes. Both the API
// route and the page call it.
func (s *Server) generateOpenAPI(ctx context.Context, req *OpenAPIRequest, subject string) (*OpenAPIResponse, error) {
	manifests, err := GenerateOpenAPIActions([]byte(req.Spec), OpenAPIOptions{
		Operations: req.Operations, Server: req.Server, API: req.API, Version: req.Version,
	})
	if err != nil {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: codeInvalidSpec,
			Message: err.Error(), Cause: err}
	}
	resp := &OpenAPIResponse{Actions: make([]OpenAPIResult, len(manifests))}
	for i, m := range manifests {
		resp.Actions[i].Manifest = m
	}
	if !req.Publish {
		return resp, nil
	}

	pub, err := s.publishing()
	if err != nil {
		return nil, err
	}
	module, err := openAPIModule()
	if err != nil {
		return nil, internalError(err)
	}
	for i := range resp.Actions {
		r := &resp.Actions[i]
		r.Created, err = s.publishGenerated(ctx, pub, r.Manifest, module)
		if err != nil {
			return nil, err
		}
		r.Published = true
		s.log.Info("openapi action published", "action", r.Manifest.Ref(),
			"created", r.Created, "subject", subject)
	}
	return resp, nil
}

// publishGenerated stores and registers one generated action. A version
// that exists with another manifest is a conflict, because versions are
// immutable.
func (s *Server) publishGenerated(ctx context.Context, pub *Publishing, m actions.Manifest,
	module builtin.Bundle) (bool, error) {
	ref := m.Ref()
	a := actions.Action{Manifest: m, SHA256: module.SHA256}
	existing, err := pub.Store.GetAction(ctx, ref)
	switch {
	case err == nil:
		if !sameGenerated(existing, &a) {
			return false, errorf(http.StatusConflict, codeVersionExists,
				"action %s is already published with another manifest or module; "+
					"pass a new version", ref)
		}
		return false, nil
	case !errors.Is(err, runtime.ErrNotFound):
		return false, internalError(err)
	}

	created, err := pub.Store.PutAction(ctx, a, module.Module)
	if err != nil {
		return false, storeError(err, "action "+ref+" not found")
	}
	if err := pub.Registry.Add(a); err != nil {
		return false, internalError(fmt.Errorf("register action %s: %w", ref, err))
	}
	return created, nil
}

// sameGenerated reports whether a stored action equals a generated one:
// the same module and the same manifest.
func sameGenerated(stored, generated *actions.Action) bool {
	if stored.SHA256 != generated.SHA256 {
		return false
	}
	a, errA := json.Marshal(stored.Manifest)
	b, errB := json.Marshal(generated.Manifest)
	return errA == nil && errB == nil && bytes.Equal(canonicalJSON(a), canonicalJSON(b))
}

// canonicalJSON re-encodes JSON so that key order and spacing do not
// matter.
func canonicalJSON(b []byte) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}

// openAPIModule returns the bundle module that serves generated actions.
var openAPIModule = sync.OnceValues(func() (builtin.Bundle, error) {
	bundles, err := builtin.Load()
	if err != nil {
		return builtin.Bundle{}, fmt.Errorf("load the bundled module: %w", err)
	}
	return bundles[0], nil
})

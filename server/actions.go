package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
)

// maxDeprecationMessage is the longest deprecation message in bytes.
const maxDeprecationMessage = 1000

// versionResolver resolves action references whose version may be a range.
// *actions.Registry implements it.
type versionResolver interface {
	Resolve(ref string) (*actions.Action, error)
}

// getActionVersions returns every version of one action, oldest first.
func (s *Server) getActionVersions(c echo.Context) error {
	name := c.Param("name")
	var versions []actions.Action
	for _, a := range s.cfg.Actions.List() {
		if a.Manifest.Name == name {
			versions = append(versions, a)
		}
	}
	if len(versions) == 0 {
		return errorf(http.StatusNotFound, codeNotFound, "action %q has no published version", name)
	}
	return c.JSON(http.StatusOK, versions)
}

// getActionVersion returns the version that the path names: an exact
// version, or a range such as ^1 (sent as %5E1), resolved as a playbook
// save resolves it.
func (s *Server) getActionVersion(c echo.Context) error {
	ref, err := actionRefParam(c)
	if err != nil {
		return err
	}
	resolver, ok := s.cfg.Actions.(versionResolver)
	if !ok {
		return internalError(errors.New("the action catalog cannot resolve versions"))
	}
	a, err := resolver.Resolve(ref)
	if err != nil {
		return &Error{Status: http.StatusNotFound, Code: codeNotFound, Message: err.Error(), Cause: err}
	}
	return c.JSON(http.StatusOK, a)
}

// deprecationRequest is the body of the deprecate route.
type deprecationRequest struct {
	Message string `json:"message"`
}

// deprecateAction marks one exact version as deprecated. It still runs in
// the playbooks that pin it, but version ranges stop resolving to it.
func (s *Server) deprecateAction(c echo.Context) error {
	pub, err := s.publishing()
	if err != nil {
		return err
	}
	ref, err := actionRefParam(c)
	if err != nil {
		return err
	}
	if _, version, _ := actions.SplitRef(ref); !isExactVersion(version) {
		return errorf(http.StatusBadRequest, codeBadRequest,
			"%q is not an exact version; deprecate one version, such as 1.2.0", version)
	}
	message, err := s.readDeprecationMessage(c)
	if err != nil {
		return err
	}

	d := actions.Deprecation{Message: message, At: time.Now().UTC(), By: subjectOf(c)}
	if err := pub.Store.DeprecateAction(c.Request().Context(), ref, d); err != nil {
		return storeError(err, fmt.Sprintf("action %s not found", ref))
	}
	if err := pub.Registry.Deprecate(ref, d); err != nil {
		return internalError(err)
	}
	s.log.Info("action deprecated", "action", ref, "subject", d.By)

	a, _ := pub.Registry.Lookup(ref)
	return c.JSON(http.StatusOK, a)
}

func (s *Server) readDeprecationMessage(c echo.Context) (string, error) {
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return "", err
	}
	var req deprecationRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "", &Error{Status: http.StatusBadRequest, Code: codeInvalidJSON,
			Message: "deprecation cannot be decoded: " + err.Error(), Cause: err}
	}
	message := strings.TrimSpace(req.Message)
	switch {
	case message == "":
		return "", errorf(http.StatusUnprocessableEntity, codeBadRequest,
			"missing message; say why the version is deprecated and what to use instead")
	case len(message) > maxDeprecationMessage:
		return "", errorf(http.StatusUnprocessableEntity, codeBadRequest,
			"message is longer than %d bytes", maxDeprecationMessage)
	}
	return message, nil
}

// actionRefParam returns "name@version" from the path parameters.
func actionRefParam(c echo.Context) (string, error) {
	version, err := url.PathUnescape(c.Param("version"))
	if err != nil {
		return "", errorf(http.StatusBadRequest, codeBadRequest,
			"version %q is not a valid path segment", c.Param("version"))
	}
	return c.Param("name") + "@" + version, nil
}

func isExactVersion(version string) bool {
	r, err := actions.ParseVersionRange(version)
	return err == nil && r.Exact()
}

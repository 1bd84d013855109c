package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/web"
)

func (s *Server) registerOpenAPIRoutes(api, pages *echo.Group) {
	api.POST("/actions/from-openapi", s.fromOpenAPI)
	pages.GET("/openapi", s.openAPIPage)
	pages.POST("/openapi", s.openAPIForm)
}

func (s *Server) openAPIPage(c echo.Context) error {
	return renderPage(c, http.StatusOK, web.OpenAPIPage(c, web.OpenAPIForm{}, nil, ""))
}

// openAPIForm previews or publishes the actions of the page's form, as
// its "mode" field selects, and shows the page again with the result.
func (s *Server) openAPIForm(c echo.Context) error {
	values, err := s.readPageForm(c, maxSpecBody)
	if err != nil {
		return err
	}
	form := web.OpenAPIForm{
		Spec:       values.Get("spec"),
		Operations: values.Get("operations"),
		Server:     strings.TrimSpace(values.Get("server")),
		Version:    strings.TrimSpace(values.Get("version")),
	}
	req := &OpenAPIRequest{
		Spec:    form.Spec,
		Server:  form.Server,
		Version: form.Version,
		Publish: values.Get("mode") == "publish",
	}
	for op := range strings.SplitSeq(form.Operations, ",") {
		if op = strings.TrimSpace(op); op != "" {
			req.Operations = append(req.Operations, op)
		}
	}

	auditOpenAPI(c, req, nil)
	resp, err := s.generateOpenAPI(c.Request().Context(), req, subjectOf(c))
	if apiErr, ok := errors.AsType[*Error](err); ok && apiErr.Status < 500 {
		return renderPage(c, apiErr.Status, web.OpenAPIPage(c, form, nil, apiErr.Message))
	}
	if err != nil {
		return err
	}
	auditOpenAPI(c, req, resp)
	generated := make([]web.OpenAPIAction, len(resp.Actions))
	for i, r := range resp.Actions {
		m := r.Manifest
		generated[i] = web.OpenAPIAction{Ref: m.Ref(), Title: m.Title, Hosts: m.Capabilities.Hosts,
			Secrets: m.Capabilities.Secrets, Published: r.Published}
	}
	return renderPage(c, http.StatusOK, web.OpenAPIPage(c, form, generated, ""))
}

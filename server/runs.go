package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

const (
	defaultRunListLimit = 50
	maxRunListLimit     = 500
)

// runResponse is a run with its steps.
type runResponse struct {
	*runtime.Run
	Steps []runtime.Step `json:"steps"`
}

// startedResponse is the body of 202 Accepted for a started run.
type startedResponse struct {
	RunID string `json:"run_id"`
}

// startManualRun starts the latest version of a playbook from its manual
// trigger. The body is the inputs object, checked against the playbook's
// inputs schema when it has one; an empty body means {}.
func (s *Server) startManualRun(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return err
	}
	inputs, err := parseInputs(body)
	if err != nil {
		return err
	}
	p, err := s.store.GetPlaybook(ctx, id)
	if err != nil {
		return storeError(err, fmt.Sprintf("playbook %q not found", id))
	}
	trigger := manualTrigger(p)
	if trigger == nil {
		return errorf(http.StatusUnprocessableEntity, codeNoManualTrigger,
			"playbook %q has no manual trigger; add a trigger node of kind manual to run it by hand", id)
	}
	if err := checkInputs(p, inputs); err != nil {
		return err
	}

	run, err := s.cfg.Engine.Start(ctx, runtime.StartRequest{
		Playbook:    p,
		TriggerNode: trigger.ID,
		Inputs:      inputs,
	})
	if err != nil {
		return startError(err)
	}
	setAuditTarget(c, "run:"+run.ID)
	s.log.Info("run started", "run_id", run.ID, "playbook_id", p.ID, "version", p.Version,
		"trigger", "manual", "subject", subjectOf(c))
	return c.JSON(http.StatusAccepted, startedResponse{RunID: run.ID})
}

// parseInputs checks with compactStrict that body is one JSON object and
// returns it compacted. An empty body is {}.
func parseInputs(body []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))) == 0 {
		return json.RawMessage(`{}`), nil
	}
	value, err := compactStrict(body)
	if err != nil {
		return nil, invalidJSON("run inputs", err)
	}
	if value[0] != '{' {
		err := &jsonError{Message: "expected a JSON object, got " + jsonKindOf(value)}
		return nil, invalidJSON("run inputs", err)
	}
	return value, nil
}

func manualTrigger(p *designer.Playbook) *designer.Node {
	for i := range p.Nodes {
		if isTriggerOfKind(&p.Nodes[i], designer.TriggerManual) {
			return &p.Nodes[i]
		}
	}
	return nil
}

// checkInputs validates inputs against the playbook's inputs schema.
func checkInputs(p *designer.Playbook, inputs json.RawMessage) error {
	raw := bytes.TrimSpace(p.Inputs)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	schema, err := actions.CompileSchema(raw)
	if err != nil {
		return errorf(http.StatusUnprocessableEntity, codeInvalidInputs,
			"playbook %q version %d: inputs schema: %v", p.ID, p.Version, err)
	}
	if err := schema.Validate(inputs); err != nil {
		return &Error{
			Status:  http.StatusUnprocessableEntity,
			Code:    codeInvalidInputs,
			Message: "run inputs " + err.Error(),
			Cause:   err,
		}
	}
	return nil
}

// startError maps an Engine.Start failure.
func startError(err error) error {
	if errors.Is(err, runtime.ErrShuttingDown) {
		return &Error{
			Status:  http.StatusServiceUnavailable,
			Code:    codeServiceUnavailable,
			Message: "the server is shutting down; send the request again later",
			Cause:   err,
		}
	}
	return internalError(fmt.Errorf("start run: %w", err))
}

func (s *Server) getRun(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	run, err := s.store.GetRun(ctx, id)
	if err != nil {
		return storeError(err, fmt.Sprintf("run %q not found", id))
	}
	// NOTE: every step is read and sent, loop iterations included; a run
	// of 3,000 loop steps takes about 0.8 s on the embedded database.
	steps, err := s.store.ListSteps(ctx, id)
	if err != nil {
		return internalError(err)
	}
	if steps == nil {
		steps = []runtime.Step{}
	}
	return c.JSON(http.StatusOK, runResponse{Run: run, Steps: steps})
}

// listRuns returns runs newest first, optionally of one playbook
// (?playbook_id=) and at most ?limit= of them (default 50, maximum 500).
func (s *Server) listRuns(c echo.Context) error {
	if err := onlyQueryParams(c, "limit", "playbook_id"); err != nil {
		return err
	}
	limit := defaultRunListLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRunListLimit {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter limit=%q must be an integer from 1 to %d", v, maxRunListLimit)
		}
		limit = n
	}
	filter := store.RunFilter{PlaybookID: c.QueryParam("playbook_id"), Limit: limit}
	runs, err := s.store.ListRuns(c.Request().Context(), filter)
	if err != nil {
		return internalError(err)
	}
	if runs == nil {
		runs = []runtime.Run{}
	}
	return c.JSON(http.StatusOK, runs)
}

// onlyQueryParams rejects a query parameter other than names, so that a
// filter the endpoint does not have is not taken for one that was applied.
func onlyQueryParams(c echo.Context, names ...string) error {
	for key := range c.QueryParams() {
		if !slices.Contains(names, key) {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"unknown query parameter %q; this endpoint takes %s", key, strings.Join(names, " and "))
		}
	}
	return nil
}

func (s *Server) listActions(c echo.Context) error {
	list := s.cfg.Actions.List()
	if list == nil {
		list = []actions.Action{}
	}
	return c.JSON(http.StatusOK, list)
}

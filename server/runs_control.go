package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
)

// cancelRun stops a run that has not ended. The run ends canceled
// asynchronously, so the response is 202.
func (s *Server) cancelRun(c echo.Context) error {
	id := c.Param("id")
	if err := s.cfg.Engine.Cancel(c.Request().Context(), id); err != nil {
		return runControlError(err, id)
	}
	s.log.Info("run cancel requested", "run_id", id, "subject", subjectOf(c))
	return c.JSON(http.StatusAccepted, startedResponse{RunID: id})
}

// rerunRequest is the body of POST /api/v1/runs/{id}/rerun.
type rerunRequest struct {
	FromNode string `json:"from_node"`
}

// rerunRun starts a new run of an ended run from one of its nodes and
// returns the new run's id.
func (s *Server) rerunRun(c echo.Context) error {
	id := c.Param("id")
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return err
	}
	var req rerunRequest
	if err := decodeObject(body, &req, "rerun request"); err != nil {
		return err
	}
	if strings.TrimSpace(req.FromNode) == "" {
		return errorf(http.StatusBadRequest, codeBadRequest,
			"rerun request: from_node is missing; set the id of the node to run again from")
	}

	run, err := s.cfg.Engine.Rerun(c.Request().Context(), id, req.FromNode)
	if err != nil {
		return runControlError(err, id)
	}
	setAuditTarget(c, "run:"+run.ID)
	s.log.Info("run started", "run_id", run.ID, "rerun_of", id, "from_node", req.FromNode,
		"trigger", "rerun", "subject", subjectOf(c))
	return c.JSON(http.StatusAccepted, startedResponse{RunID: run.ID})
}

// runControlError maps an Engine.Cancel or Engine.Rerun failure. The
// runtime's messages name the run and node and carry no store detail for
// these sentinels; any other error is internal.
func runControlError(err error, runID string) error {
	status, code := 0, ""
	switch {
	case errors.Is(err, runtime.ErrShuttingDown):
		return startError(err)
	case errors.Is(err, runtime.ErrNotFound):
		status, code = http.StatusNotFound, codeNotFound
	case errors.Is(err, runtime.ErrConflict):
		status, code = http.StatusConflict, codeConflict
	case errors.Is(err, runtime.ErrInvalid):
		status, code = http.StatusBadRequest, codeBadRequest
	default:
		return internalError(fmt.Errorf("run %q: %w", runID, err))
	}
	return &Error{Status: status, Code: code, Message: sentinelMessage(err), Cause: err}
}

// sentinelMessage drops the sentinel's own text, such as ": not found",
// from the end of a runtime error message.
func sentinelMessage(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{runtime.ErrNotFound, runtime.ErrConflict,
		runtime.ErrInvalid, runtime.ErrInvalidAnswer} {
		if errors.Is(err, sentinel) {
			msg = strings.TrimSuffix(msg, ": "+sentinel.Error())
		}
	}
	return msg
}

package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
)

// Idempotency headers of webhook requests: a sender that sets
// headerIdempotencyKey on its retries of one alert starts one run.
const (
	headerIdempotencyKey     = "Idempotency-Key"
	headerIdempotentReplayed = "Idempotent-Replayed"
	maxIdempotencyKey        = 255
)

// idempotentRunID returns the run id that the request's Idempotency-Key
// names within the webhook, or "" without the header.
func idempotentRunID(h http.Header, playbookID, nodeID string) (string, error) {
	values := h.Values(headerIdempotencyKey)
	if len(values) == 0 {
		return "", nil
	}
	key := values[0]
	valid := len(values) == 1 && key != "" && len(key) <= maxIdempotencyKey
	for i := 0; valid && i < len(key); i++ {
		valid = key[i] > ' ' && key[i] < 0x7f
	}
	if !valid {
		return "", errorf(http.StatusBadRequest, codeBadRequest,
			"header %s must appear once with 1 to %d visible ASCII characters, such as the "+
				"alert id; leave it out to start a run for every request",
			headerIdempotencyKey, maxIdempotencyKey)
	}
	return runtime.IdempotentRunID("webhook\x00"+playbookID+"\x00"+nodeID, key), nil
}

// repeatedWebhook responds to a request whose Idempotency-Key names a run
// that exists as the first request did. When the first request has not
// stored the run yet, it responds 409.
func (s *Server) repeatedWebhook(c echo.Context, runID, playbookID, nodeID string) error {
	if _, err := s.store.GetRun(c.Request().Context(), runID); err != nil {
		if errors.Is(err, runtime.ErrNotFound) {
			return errorf(http.StatusConflict, codeConflict,
				"a request with this %s is still starting its run; send it again in a second",
				headerIdempotencyKey)
		}
		return internalError(err)
	}
	s.log.Info("webhook repeated", "run_id", runID, "playbook_id", playbookID, "node_id", nodeID)
	c.Response().Header().Set(headerIdempotentReplayed, "true")
	return c.JSON(http.StatusAccepted, startedResponse{RunID: runID})
}

// receiveWebhook starts a run of the latest playbook version from the
// webhook trigger that owns the token in the URL. The body becomes the
// run's trigger; the token is the only credential.
func (s *Server) receiveWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	hook, err := s.store.GetWebhook(ctx, c.Param("token"))
	if errors.Is(err, runtime.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no webhook has this URL; copy the URL from the playbook again")
	}
	if err != nil {
		return internalError(err)
	}

	req := c.Request()
	runID, err := idempotentRunID(req.Header, hook.PlaybookID, hook.NodeID)
	if err != nil {
		return err
	}
	limit := s.cfg.MaxWebhookBody
	wire := http.MaxBytesReader(c.Response(), req.Body, limit)
	body, err := parseWebhookBody(req.Header.Get(echo.HeaderContentType),
		req.Header.Get(echo.HeaderContentEncoding), wire, limit)
	if err != nil {
		return err
	}
	if body.Mismatch {
		s.log.Info("webhook content type mismatch", "playbook_id", hook.PlaybookID,
			"node_id", hook.NodeID, "content_type", req.Header.Get(echo.HeaderContentType),
			"parsed_as", body.Format)
	}

	p, err := s.store.GetPlaybook(ctx, hook.PlaybookID)
	if err != nil {
		return storeError(err, fmt.Sprintf("playbook %q of this webhook no longer exists", hook.PlaybookID))
	}
	node := p.Node(hook.NodeID)
	if node == nil || !isWebhookTrigger(node) {
		return errorf(http.StatusGone, codeWebhookTriggerAbsent,
			"the latest version of playbook %q has no webhook trigger %q", p.ID, hook.NodeID)
	}

	run, err := s.cfg.Engine.Start(ctx, runtime.StartRequest{
		Playbook:    p,
		TriggerNode: node.ID,
		Trigger:     body.Trigger,
		TriggerRaw:  body.Raw,
		ID:          runID,
	})
	if runID != "" && errors.Is(err, runtime.ErrConflict) {
		return s.repeatedWebhook(c, runID, p.ID, node.ID)
	}
	if err != nil {
		return startError(err)
	}
	s.log.Info("run started", "run_id", run.ID, "playbook_id", p.ID, "version", p.Version,
		"trigger", "webhook", "node_id", node.ID, "format", body.Format)
	return c.JSON(http.StatusAccepted, startedResponse{RunID: run.ID})
}

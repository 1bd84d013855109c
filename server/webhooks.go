package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
)

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
	})
	if err != nil {
		return startError(err)
	}
	s.log.Info("run started", "run_id", run.ID, "playbook_id", p.ID, "version", p.Version,
		"trigger", "webhook", "node_id", node.ID, "format", body.Format)
	return c.JSON(http.StatusAccepted, startedResponse{RunID: run.ID})
}

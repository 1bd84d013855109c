package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
)

// readPlaybook reads and decodes a playbook body. Every problem with the
// JSON itself or with its shape (a syntax error, a duplicate key, a body
// that is not an object, an unknown field or a value of the wrong type,
// node settings included) is 400 invalid_json. Validation problems of a
// well-formed playbook are 422 later, in validatePlaybook.
func (s *Server) readPlaybook(c echo.Context) (*designer.Playbook, error) {
	body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
	if err != nil {
		return nil, err
	}
	compact, err := compactStrict(body)
	if err != nil {
		return nil, invalidJSON("playbook", err)
	}
	if compact[0] != '{' {
		err := &jsonError{Message: "expected a JSON object, got " + jsonKindOf(compact)}
		return nil, invalidJSON("playbook", err)
	}
	if err := checkCreatedAt(compact); err != nil {
		return nil, err
	}

	p, err := designer.ParsePlaybook(compact)
	if err != nil {
		return nil, playbookShapeError(err)
	}
	if err := checkSettingsShape(p); err != nil {
		return nil, err
	}
	return p, nil
}

// playbookShapeError maps a designer.ParsePlaybook failure to 400.
func playbookShapeError(err error) *Error {
	apiErr := &Error{
		Status:  http.StatusBadRequest,
		Code:    codeInvalidJSON,
		Message: "playbook: " + err.Error(),
		Cause:   err,
	}
	if verr, ok := errors.AsType[*designer.ValidationError](err); ok && len(verr.Problems) > 0 {
		apiErr.Message = "playbook: " + verr.Problems[0].String()
		apiErr.Problems = verr.Problems
	}
	return apiErr
}

// checkCreatedAt rejects a created_at that is not an RFC 3339 timestamp.
// The server replaces the value, but a malformed one still fails decoding.
func checkCreatedAt(compact []byte) error {
	var top struct {
		CreatedAt json.RawMessage `json:"created_at"`
	}
	if err := json.Unmarshal(compact, &top); err != nil || len(top.CreatedAt) == 0 {
		return nil
	}
	var at time.Time
	if err := json.Unmarshal(top.CreatedAt, &at); err != nil {
		return &Error{
			Status:   http.StatusBadRequest,
			Code:     codeInvalidJSON,
			Message:  "playbook: created_at: expected an RFC 3339 timestamp such as \"2026-01-02T15:04:05Z\"",
			Problems: []designer.Problem{{Field: "created_at", Message: "expected an RFC 3339 timestamp"}},
			Cause:    err,
		}
	}
	return nil
}

// settingsShapes decodes the settings of a node type strictly, so that an
// unknown settings field or a value of the wrong type is a shape error
// like any other field. Types not listed are left to validation.
var settingsShapes = map[string]func(*designer.Node) error{
	designer.NodeTrigger:     decodeSettingsAs[designer.TriggerSettings],
	designer.NodeAction:      decodeSettingsAs[designer.ActionSettings],
	designer.NodeCondition:   decodeSettingsAs[designer.ConditionSettings],
	designer.NodeTransform:   decodeSettingsAs[designer.TransformSettings],
	designer.NodeEnd:         decodeSettingsAs[designer.EndSettings],
	designer.NodeSwitch:      decodeSettingsAs[designer.SwitchSettings],
	designer.NodeLoop:        decodeSettingsAs[designer.LoopSettings],
	designer.NodeJoin:        decodeSettingsAs[designer.JoinSettings],
	designer.NodeApproval:    decodeSettingsAs[designer.ApprovalSettings],
	designer.NodeDelay:       decodeSettingsAs[designer.DelaySettings],
	designer.NodeSubplaybook: decodeSettingsAs[designer.SubplaybookSettings],
}

func decodeSettingsAs[T any](n *designer.Node) error {
	_, err := designer.DecodeSettings[T](n)
	return err
}

// checkSettingsShape returns a 400 naming the node and field of the first
// node whose settings do not fit its type's settings.
func checkSettingsShape(p *designer.Playbook) error {
	for i := range p.Nodes {
		n := &p.Nodes[i]
		decode, ok := settingsShapes[n.Type]
		if !ok {
			continue
		}
		err := decode(n)
		if err == nil {
			continue
		}
		// DecodeSettings errors read "settings.kind: expected a string".
		problem := designer.Problem{NodeID: n.ID, Message: err.Error()}
		if field, msg, ok := strings.Cut(err.Error(), ": "); ok && strings.HasPrefix(field, "settings") {
			problem.Field, problem.Message = field, msg
		}
		return &Error{
			Status:   http.StatusBadRequest,
			Code:     codeInvalidJSON,
			Message:  "playbook: " + problem.String(),
			Problems: []designer.Problem{problem},
			Cause:    err,
		}
	}
	return nil
}

package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/designer"
)

// resolveActionRanges runs before a playbook save. Each action node whose
// settings.action has a version range, such as "hash.crc32@^1", or whose
// settings.range is set gets the highest matching version that is not
// deprecated in settings.action and the range in settings.range. Runs use
// settings.action, so a stored version always runs the same modules, and
// the next save resolves the range again. A pin to a deprecated version is
// saved with a Warning header per node.
//
// A body that does not parse as a playbook passes through unchanged, so
// the save handler reports the problem.
func (s *Server) resolveActionRanges(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		resolver, ok := s.cfg.Actions.(versionResolver)
		if !ok {
			return next(c)
		}
		body, err := readBody(c, s.cfg.MaxAPIBody, "request body")
		if err != nil {
			return err
		}
		body, err = pinActionVersions(c, resolver, body)
		if err != nil {
			return err
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		c.Request().ContentLength = int64(len(body))
		return next(c)
	}
}

// pinActionVersions returns body with every action range resolved, or an
// invalid_playbook error that lists the ranges that match nothing.
func pinActionVersions(c echo.Context, resolver versionResolver, body []byte) ([]byte, error) {
	p, err := designer.ParsePlaybook(body)
	if err != nil {
		return body, nil
	}
	var problems []designer.Problem
	changed := false
	for i := range p.Nodes {
		node := &p.Nodes[i]
		if node.Type != designer.NodeAction {
			continue
		}
		settings, err := designer.DecodeSettings[designer.ActionSettings](node)
		if err != nil {
			continue // Validate reports it
		}
		pin, problem := pinAction(resolver, node.ID, settings)
		switch {
		case problem != nil:
			problems = append(problems, *problem)
		case pin.warning != "":
			c.Response().Header().Add("Warning", fmt.Sprintf("299 updraft %q", pin.warning))
		}
		if pin.action != "" {
			if node.Settings, err = setPin(node.Settings, pin); err != nil {
				return nil, internalError(err)
			}
			changed = true
		}
	}
	if len(problems) > 0 {
		verr := &designer.ValidationError{Problems: problems}
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: codeInvalidPlaybook,
			Message: verr.Error(), Problems: problems, Cause: verr}
	}
	if !changed {
		return body, nil
	}
	out, err := json.Marshal(p)
	if err != nil {
		return nil, internalError(fmt.Errorf("encode playbook with pinned actions: %w", err))
	}
	return out, nil
}

// actionPin is the outcome for one action node: a resolved reference and
// its range to store, or a warning for an exact pin.
type actionPin struct {
	action  string // "name@version"; empty leaves the settings as they are
	rng     string
	warning string
}

// pinAction resolves one node's range. An exact pin without a range
// changes nothing but may carry a deprecation warning.
func pinAction(resolver versionResolver, nodeID string, s designer.ActionSettings) (actionPin, *designer.Problem) {
	name, version, hasVersion := actions.SplitRef(s.Action)
	rng := s.Range
	if !hasVersion {
		name = s.Action
	} else if rng == "" && !isExactVersion(version) {
		rng = version
	}
	if rng == "" {
		return actionPin{warning: deprecationWarning(resolver, nodeID, s.Action)}, nil
	}

	field := "settings.action"
	if s.Range != "" {
		field = "settings.range"
	}
	a, err := resolver.Resolve(name + "@" + rng)
	if err != nil {
		return actionPin{}, &designer.Problem{NodeID: nodeID, Field: field, Message: err.Error()}
	}
	return actionPin{action: a.Manifest.Ref(), rng: rng}, nil
}

func deprecationWarning(resolver versionResolver, nodeID, ref string) string {
	a, err := resolver.Resolve(ref)
	if err != nil || a.Deprecated == nil {
		return ""
	}
	return fmt.Sprintf("node %q: action %s is deprecated: %s", nodeID, ref, a.Deprecated.Message)
}

// setPin writes the resolved action and its range into raw settings,
// keeping every other key as it was.
func setPin(raw json.RawMessage, pin actionPin) (json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("decode action settings: %w", err)
	}
	action, _ := json.Marshal(pin.action)
	rng, _ := json.Marshal(pin.rng)
	fields["action"] = action
	fields["range"] = rng
	return json.Marshal(fields)
}

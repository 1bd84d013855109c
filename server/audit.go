package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/store"
	"github.com/updraftsoar/updraft/web"
)

const (
	defaultAuditListLimit = 50
	maxAuditListLimit     = 500
	auditPageSize         = 100

	// auditWriteTimeout bounds the write of one audit entry, which runs
	// after the response is decided and even when the client has gone.
	auditWriteTimeout = 5 * time.Second
)

// Echo context keys through which a handler refines its audit entry.
const (
	auditActionKey = "updraft.audit_action"
	auditTargetKey = "updraft.audit_target"
	auditSkipKey   = "updraft.audit_skip"
)

// maxAuditTarget is the longest audit target in bytes. Targets can quote
// form input, such as a secret name that is not valid.
const maxAuditTarget = 300

// setAuditAction replaces the action of the route's rule in the request's
// audit entry, such as "secret.create" for "secret.put" once the handler
// has stored a new secret.
func setAuditAction(c echo.Context, action string) { c.Set(auditActionKey, action) }

// setAuditTarget sets the target of the request's audit entry, such as
// "playbook:triage-x1" for an object that the handler created.
func setAuditTarget(c echo.Context, target string) { c.Set(auditTargetKey, target) }

// skipAudit drops the request's audit entry, for a request that the
// handler found to change nothing, such as a preview.
func skipAudit(c echo.Context) { c.Set(auditSkipKey, true) }

// audited runs handle and, when the rule names an audit action, stores an
// audit entry for p with the outcome of the request. A 403 is denied, any
// other status of 400 or more is a failure, and the rest is a success.
// The entry is stored just before the response status is written, so a
// client never sees the result of a request whose entry is not stored
// yet. An entry that cannot be stored is logged, and the response goes
// out as the handler made it.
func (s *Server) audited(c echo.Context, p *principal, rule routeRule, handle func() error) error {
	if rule.action == "" {
		return handle()
	}
	written := false
	write := func(err error) {
		if written {
			return
		}
		written = true
		if skip, _ := c.Get(auditSkipKey).(bool); skip {
			return
		}
		entry := &store.AuditEntry{
			Actor:   p.Subject,
			Role:    p.Role,
			Action:  rule.action,
			Target:  shorten(auditTarget(c, rule), maxAuditTarget),
			Outcome: auditOutcome(c, err),
		}
		if action, ok := c.Get(auditActionKey).(string); ok && action != "" {
			entry.Action = action
		}
		s.writeAudit(c, entry)
	}
	c.Response().Before(func() { write(nil) })
	err := handle()
	if err != nil && !c.Response().Committed {
		// The error handler writes the response after audited returns,
		// so the entry is stored now, with the outcome the error gives.
		write(err)
	}
	return err
}

// auditTarget returns the target that the handler set, or else the rule's
// target kind and the path parameters, such as "action:hash.crc32@1.0.0".
func auditTarget(c echo.Context, rule routeRule) string {
	if target, ok := c.Get(auditTargetKey).(string); ok && target != "" {
		return target
	}
	if rule.target == "" {
		return ""
	}
	name := c.Param("id")
	if name == "" {
		name = c.Param("name")
	}
	if version := c.Param("version"); version != "" {
		if unescaped, err := url.PathUnescape(version); err == nil {
			version = unescaped
		}
		name += "@" + version
	}
	return rule.target + ":" + name
}

func auditOutcome(c echo.Context, err error) string {
	if err != nil {
		if toAPIError(err).Status == http.StatusForbidden {
			return store.AuditDenied
		}
		return store.AuditFailure
	}
	if c.Response().Status >= http.StatusBadRequest {
		return store.AuditFailure
	}
	return store.AuditSuccess
}

// writeAudit stores entry. The write ignores the request's cancellation,
// so that a client that disconnects leaves its entry.
func (s *Server) writeAudit(c echo.Context, entry *store.AuditEntry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), auditWriteTimeout)
	defer cancel()
	if err := s.store.InsertAuditEntry(ctx, entry); err != nil {
		s.log.Error("audit entry not stored", "action", entry.Action, "target", entry.Target,
			"actor", entry.Actor, "outcome", entry.Outcome,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
}

// listAudit returns audit entries newest first: at most ?limit= of them
// (default 50, maximum 500), older than the entry whose id is ?before=.
func (s *Server) listAudit(c echo.Context) error {
	before, err := auditBefore(c)
	if err != nil {
		return err
	}
	filter := store.AuditFilter{Before: before, Limit: defaultAuditListLimit}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditListLimit {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter limit=%q must be an integer from 1 to %d", v, maxAuditListLimit)
		}
		filter.Limit = n
	}

	entries, err := s.store.ListAuditEntries(c.Request().Context(), filter)
	if err != nil {
		return internalError(err)
	}
	if entries == nil {
		entries = []store.AuditEntry{}
	}
	return c.JSON(http.StatusOK, entries)
}

// auditBefore returns the before query parameter, which must be empty or
// the id of an audit entry.
func auditBefore(c echo.Context) (string, error) {
	before := c.QueryParam("before")
	if before != "" && !store.ValidAuditID(before) {
		return "", errorf(http.StatusBadRequest, codeBadRequest,
			"query parameter before=%q must be the id of an audit entry: 24 lowercase hex digits",
			before)
	}
	return before, nil
}

// auditPage renders the newest auditPageSize audit entries, or with
// ?before= the page of older entries that follows.
func (s *Server) auditPage(c echo.Context) error {
	before, err := auditBefore(c)
	if err != nil {
		return err
	}
	filter := store.AuditFilter{Before: before, Limit: auditPageSize}
	entries, err := s.store.ListAuditEntries(c.Request().Context(), filter)
	if err != nil {
		return internalError(err)
	}

	items := make([]web.AuditItem, len(entries))
	for i, e := range entries {
		items[i] = web.AuditItem{Time: e.Time, Actor: e.Actor, Role: e.Role, Action: e.Action,
			Target: e.Target, Outcome: e.Outcome}
	}
	older := ""
	if len(entries) == auditPageSize {
		older = entries[len(entries)-1].ID
	}
	return renderPage(c, http.StatusOK, web.AuditPage(c, items, older))
}

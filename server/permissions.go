package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/web"
)

// The roles of tokens and sessions. Each role has every permission of the
// roles before it in Roles.
const (
	RoleViewer    = "viewer"
	RoleAnalyst   = "analyst"
	RoleDeveloper = "developer"
	RoleAdmin     = "admin"
)

// Roles lists the roles from the fewest permissions to the most.
var Roles = []string{RoleViewer, RoleAnalyst, RoleDeveloper, RoleAdmin}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }

// permission is a right that a route requires of the caller's role.
type permission string

const (
	permPublic          permission = "public" // no credentials needed
	permRead            permission = "read"
	permReadDashboard   permission = "read_dashboard"
	permReadMetrics     permission = "read_metrics"
	permEditPlaybooks   permission = "edit_playbooks"
	permRunPlaybooks    permission = "run_playbooks"
	permControlRuns     permission = "control_runs"
	permAnswerApprovals permission = "answer_approvals"
	permPublishActions  permission = "publish_actions"
	permManageSecrets   permission = "manage_secrets"
	permManageTokens    permission = "manage_tokens"
	permReadAudit       permission = "read_audit"
)

// permissionGrant is one row of the permission table: a permission, the
// least role that has it, and the action it allows, worded for messages.
type permissionGrant struct {
	perm   permission
	role   string
	allows string
}

// permissionTable is the permission table, ordered by role. docs/security.md
// shows the same table, and TestPermissions_MatchDocs compares the two.
var permissionTable = []permissionGrant{
	{permRead, RoleViewer, "read playbooks, runs, run events, approvals and actions"},
	{permReadDashboard, RoleViewer, "read the dashboard"},
	{permReadMetrics, RoleViewer, "read Prometheus metrics"},
	{permEditPlaybooks, RoleAnalyst, "create and edit playbooks"},
	{permRunPlaybooks, RoleAnalyst, "start runs"},
	{permControlRuns, RoleAnalyst, "cancel and rerun runs"},
	{permAnswerApprovals, RoleAnalyst, "answer approvals"},
	{permPublishActions, RoleDeveloper, "publish and deprecate actions"},
	{permManageSecrets, RoleAdmin, "manage secrets"},
	{permManageTokens, RoleAdmin, "create, list and revoke API tokens"},
	{permReadAudit, RoleAdmin, "read the audit log"},
}

// grantOf returns the row of perm in the permission table.
func grantOf(perm permission) (permissionGrant, bool) {
	for _, g := range permissionTable {
		if g.perm == perm {
			return g, true
		}
	}
	return permissionGrant{}, false
}

// allows reports whether role has perm. An unknown role has no permission
// but permPublic.
func allows(role string, perm permission) bool {
	if perm == permPublic {
		return true
	}
	grant, ok := grantOf(perm)
	rank := slices.Index(Roles, role)
	return ok && rank >= 0 && rank >= slices.Index(Roles, grant.role)
}

// authorize returns a 403 error that names the roles with perm, unless role
// has it. It is the one place where roles are checked against the table.
func authorize(role string, perm permission) error {
	if allows(role, perm) {
		return nil
	}
	grant, ok := grantOf(perm)
	if !ok {
		return internalError(fmt.Errorf("permission %q is not in the permission table", perm))
	}
	return errorf(http.StatusForbidden, codeForbidden,
		"the %s role may not %s; this needs the %s role",
		quoteRole(role), grant.allows, joinRoles(rolesFrom(grant.role)))
}

// roleGrants returns each role with the permissions it adds to the roles
// before it, for the Tokens page.
func roleGrants() []web.RoleGrants {
	grants := make([]web.RoleGrants, len(Roles))
	for i, role := range Roles {
		grants[i].Role = role
		for _, g := range permissionTable {
			if g.role == role {
				grants[i].Allows = append(grants[i].Allows, g.allows)
			}
		}
	}
	return grants
}

// rolesFrom returns role and every role after it in Roles.
func rolesFrom(role string) []string {
	i := slices.Index(Roles, role)
	if i < 0 {
		return nil
	}
	return Roles[i:]
}

// joinRoles writes roles as "analyst, developer or admin".
func joinRoles(roles []string) string {
	if len(roles) <= 1 {
		return strings.Join(roles, "")
	}
	return strings.Join(roles[:len(roles)-1], ", ") + " or " + roles[len(roles)-1]
}

// quoteRole returns a known role as it is and quotes any other value, so
// that an empty or odd role stays visible in a message.
func quoteRole(role string) string {
	if ValidRole(role) {
		return role
	}
	return fmt.Sprintf("%q", role)
}

// routeRule is the permission that one route requires and the audit entry
// that it writes.
type routeRule struct {
	perm permission
	// action names the route's change in the audit log, such as
	// "playbook.update". Routes that change nothing have none.
	action string
	// target is the kind of object named by the path parameters, such as
	// "playbook" for ":id", so that the audit entry's target reads
	// "playbook:<id>".
	target string
}

// routeRules maps each route, as "METHOD /path" with echo's path syntax, to
// its rule. A route missing from the table responds with 500, and
// TestRouteRules_CoverEveryRoute fails.
var routeRules = map[string]routeRule{
	"GET /healthz":       {perm: permPublic},
	"GET /login":         {perm: permPublic},
	"POST /login":        {perm: permPublic}, // the handler writes its audit entry
	"POST /logout":       {perm: permPublic}, // the handler writes its audit entry
	"POST /hooks/:token": {perm: permPublic}, // runs record themselves
	"GET /static*":       {perm: permPublic},

	"GET /api/v1/playbooks":           {perm: permRead},
	"POST /api/v1/playbooks":          {perm: permEditPlaybooks, action: "playbook.create"},
	"GET /api/v1/playbooks/:id":       {perm: permRead},
	"PUT /api/v1/playbooks/:id":       {perm: permEditPlaybooks, action: "playbook.update", target: "playbook"},
	"POST /api/v1/playbooks/:id/runs": {perm: permRunPlaybooks, action: "run.start", target: "playbook"},

	"GET /api/v1/runs":             {perm: permRead},
	"GET /api/v1/runs/:id":         {perm: permRead},
	"GET /api/v1/runs/:id/events":  {perm: permRead},
	"POST /api/v1/runs/:id/cancel": {perm: permControlRuns, action: "run.cancel", target: "run"},
	"POST /api/v1/runs/:id/rerun":  {perm: permControlRuns, action: "run.rerun", target: "run"},

	"GET /api/v1/approvals":      {perm: permRead},
	"GET /api/v1/approvals/:id":  {perm: permRead},
	"POST /api/v1/approvals/:id": {perm: permAnswerApprovals, action: "approval.answer", target: "approval"},

	"GET /api/v1/actions":                           {perm: permRead},
	"POST /api/v1/actions":                          {perm: permPublishActions, action: "action.publish"},
	"GET /api/v1/actions/:name":                     {perm: permRead},
	"GET /api/v1/actions/:name/:version":            {perm: permRead},
	"POST /api/v1/actions/:name/:version/deprecate": {perm: permPublishActions, action: "action.deprecate", target: "action"},
	"POST /api/v1/actions/from-openapi":             {perm: permPublishActions, action: "action.from_openapi"},

	"GET /api/v1/secrets":          {perm: permManageSecrets},
	"PUT /api/v1/secrets/:name":    {perm: permManageSecrets, action: "secret.put", target: "secret"},
	"DELETE /api/v1/secrets/:name": {perm: permManageSecrets, action: "secret.delete", target: "secret"},

	"GET /api/v1/tokens":        {perm: permManageTokens},
	"POST /api/v1/tokens":       {perm: permManageTokens, action: "token.create"},
	"DELETE /api/v1/tokens/:id": {perm: permManageTokens, action: "token.revoke", target: "token"},

	"GET /api/v1/audit": {perm: permReadAudit},

	"GET /api/v1/dashboard": {perm: permReadDashboard},
	"GET /dashboard":        {perm: permReadDashboard},
	"GET /metrics":          {perm: permReadMetrics},

	"GET /":              {perm: permRead},
	"GET /favicon.ico":   {perm: permRead},
	"GET /playbooks":     {perm: permRead},
	"GET /playbooks/new": {perm: permRead},
	"GET /playbooks/:id": {perm: permRead},
	"GET /runs":          {perm: permRead},
	"GET /runs/:id":      {perm: permRead},
	"GET /actions":       {perm: permRead},
	"GET /approvals":     {perm: permRead},

	"GET /openapi":  {perm: permPublishActions},
	"POST /openapi": {perm: permPublishActions, action: "action.from_openapi"},

	"GET /secrets":               {perm: permManageSecrets},
	"POST /secrets":              {perm: permManageSecrets, action: "secret.put"},
	"POST /secrets/:name/delete": {perm: permManageSecrets, action: "secret.delete", target: "secret"},

	"GET /tokens":             {perm: permManageTokens},
	"POST /tokens":            {perm: permManageTokens, action: "token.create"},
	"POST /tokens/:id/revoke": {perm: permManageTokens, action: "token.revoke", target: "token"},

	"GET /audit": {perm: permReadAudit},
}

// ruleFor returns the rule of the route that c matched. A HEAD request
// takes the rule of GET. Echo's catch-all routes for unknown paths need
// only permRead and respond 404.
func ruleFor(c echo.Context) (routeRule, error) {
	method := c.Request().Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if rule, ok := routeRules[method+" "+c.Path()]; ok {
		return rule, nil
	}
	if strings.HasSuffix(c.Path(), "*") {
		return routeRule{perm: permRead}, nil
	}
	return routeRule{}, internalError(fmt.Errorf("route %s %s has no permission rule", method, c.Path()))
}

// routeAllowed reports whether role may use the route method and path,
// written as in routeRules. The pages use it to hide links.
func routeAllowed(role, method, path string) bool {
	rule, ok := routeRules[method+" "+path]
	return ok && allows(role, rule.perm)
}

package server

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// securityDoc is the page that documents the permission and route tables.
const securityDoc = "../docs/security.md"

func TestRouteRules_CoverEveryRoute(t *testing.T) {
	srv, err := New(Config{
		Store:   testStore,
		Engine:  runtime.New(runtime.Config{Store: testStore}),
		Actions: actions.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, r := range srv.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := routeRules[key]; !ok {
			t.Errorf("route %s has no entry in routeRules", key)
		}
	}
	for key := range routeRules {
		if !registered[key] {
			t.Errorf("routeRules has %s, which is not a registered route", key)
		}
	}
}

func TestRouteRules_StateChangesAudited(t *testing.T) {
	// Routes that change state without an audit entry of their own.
	unaudited := []string{"POST /login", "POST /logout", "POST /hooks/:token"}
	for key, rule := range routeRules {
		method, _, _ := strings.Cut(key, " ")
		if isSafeMethod(method) || slices.Contains(unaudited, key) {
			if rule.action != "" {
				t.Errorf("route %s changes nothing but has audit action %q", key, rule.action)
			}
			continue
		}
		if rule.action == "" {
			t.Errorf("route %s changes state but has no audit action", key)
		}
	}
}

func TestAuthorize_RoleMatrix(t *testing.T) {
	want := map[string][]permission{
		RoleViewer: {permRead, permReadDashboard, permReadMetrics},
		RoleAnalyst: {permRead, permReadDashboard, permReadMetrics, permEditPlaybooks,
			permRunPlaybooks, permControlRuns, permAnswerApprovals},
		RoleDeveloper: {permRead, permReadDashboard, permReadMetrics, permEditPlaybooks,
			permRunPlaybooks, permControlRuns, permAnswerApprovals, permPublishActions},
		RoleAdmin: {permRead, permReadDashboard, permReadMetrics, permEditPlaybooks,
			permRunPlaybooks, permControlRuns, permAnswerApprovals, permPublishActions,
			permManageSecrets, permManageTokens, permReadAudit},
		"":      {},
		"owner": {},
	}
	for role, allowed := range want {
		for _, g := range permissionTable {
			t.Run(fmt.Sprintf("%s/%s", quoteRole(role), g.perm), func(t *testing.T) {
				err := authorize(role, g.perm)
				if slices.Contains(allowed, g.perm) {
					if err != nil {
						t.Errorf("authorize: %v, want allowed", err)
					}
					return
				}
				apiErr, ok := err.(*Error)
				if !ok || apiErr.Status != http.StatusForbidden || apiErr.Code != codeForbidden {
					t.Fatalf("authorize = %v, want 403 forbidden", err)
				}
				if !strings.Contains(apiErr.Message, "needs the "+joinRoles(rolesFrom(g.role))+" role") {
					t.Errorf("message %q does not name the roles %v", apiErr.Message, rolesFrom(g.role))
				}
			})
		}
		if err := authorize(role, permPublic); err != nil {
			t.Errorf("authorize(%q, public) = %v, want allowed", role, err)
		}
	}
}

func TestAuthorize_MessageText(t *testing.T) {
	err := authorize(RoleAnalyst, permPublishActions)
	want := "forbidden: the analyst role may not publish and deprecate actions; " +
		"this needs the developer or admin role"
	if err == nil || err.Error() != want {
		t.Errorf("authorize(analyst, publish_actions) = %v, want %q", err, want)
	}
	err = authorize("", permRead)
	want = `forbidden: the "" role may not read playbooks, runs, run events, approvals and ` +
		"actions; this needs the viewer, analyst, developer or admin role"
	if err == nil || err.Error() != want {
		t.Errorf("authorize(\"\", read) = %v, want %q", err, want)
	}
}

// docTableRows returns the cells of the rows of the Markdown table under
// heading in the document at path, without the header and divider rows.
func docTableRows(t *testing.T, path, heading string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", path, heading)
	}
	var rows [][]string
	inTable := false
	for line := range strings.SplitSeq(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		if !inTable {
			inTable = true // the header row
			continue
		}
		if strings.HasPrefix(line, "|---") {
			continue
		}
		var cells []string
		for cell := range strings.SplitSeq(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(cell))
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestPermissions_MatchDocs(t *testing.T) {
	rows := docTableRows(t, securityDoc, "## Permissions")
	var documented []permissionGrant
	for _, cells := range rows {
		if len(cells) != 3 {
			t.Fatalf("row %q has %d cells, want 3", cells, len(cells))
		}
		documented = append(documented, permissionGrant{
			perm: permission(strings.Trim(cells[0], "`")), role: cells[1], allows: cells[2],
		})
	}
	if !slices.Equal(documented, permissionTable) {
		t.Errorf("%s permission table =\n%v\nwant permissionTable\n%v", securityDoc, documented,
			permissionTable)
	}
}

func TestRouteRules_MatchDocs(t *testing.T) {
	rows := docTableRows(t, securityDoc, "## Routes")
	documented := map[string][]string{}
	for _, cells := range rows {
		if len(cells) != 3 {
			t.Fatalf("row %q has %d cells, want 3", cells, len(cells))
		}
		documented[strings.Trim(cells[0], "`")] = cells[1:]
	}
	for key, rule := range routeRules {
		if !strings.Contains(key, " /api/") {
			continue
		}
		cells, ok := documented[key]
		if !ok {
			t.Errorf("%s lacks route %s", securityDoc, key)
			continue
		}
		if cells[0] != "`"+string(rule.perm)+"`" {
			t.Errorf("%s: route %s has permission %s, want `%s`", securityDoc, key, cells[0], rule.perm)
		}
		if rule.action != "" && !strings.Contains(cells[1], "`"+rule.action+"`") {
			t.Errorf("%s: route %s has audit action %q, want it to name `%s`", securityDoc, key,
				cells[1], rule.action)
		}
		if rule.action == "" && cells[1] != "" {
			t.Errorf("%s: route %s has audit action %q, want none", securityDoc, key, cells[1])
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("%s lists route %s, which routeRules lacks", securityDoc, key)
	}
}

// Package jira is the bundled action jira.issue_create: it creates an
// issue through the Jira Cloud platform REST API v3.
package jira

import (
	"sort"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor           = "jira"
	secretEmail      = "jira_email"
	secretToken      = "jira_api_token"
	defaultIssueType = "Task"
)

// Input is the input of jira.issue_create.
type Input struct {
	// BaseURL is the site, such as https://acme.atlassian.net.
	BaseURL    string `json:"base_url"`
	ProjectKey string `json:"project_key"`
	IssueType  string `json:"issue_type,omitempty"` // "Task" when empty
	Summary    string `json:"summary"`
	// Description is plain text: blank lines separate paragraphs and
	// other line breaks stay line breaks.
	Description string   `json:"description,omitempty"`
	Labels      []string `json:"labels,omitempty"`
	Priority    string   `json:"priority,omitempty"` // priority name, such as "High"
}

// Output is the output of jira.issue_create.
type Output struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Self string `json:"self"`
	// URL is the issue's page: <base_url>/browse/<key>.
	URL string `json:"url"`
}

// Run sends POST /rest/api/3/issue with basic authentication (email and
// API token).
func Run(ctx *sdk.Context, in Input) (Output, error) {
	fields, err := issueFields(in)
	if err != nil {
		return Output{}, err
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	email, err := vendorapi.Secret(ctx, secretEmail)
	if err != nil {
		return Output{}, err
	}
	token, err := vendorapi.Secret(ctx, secretToken)
	if err != nil {
		return Output{}, err
	}

	req, err := vendorapi.NewJSONRequest("POST", base+"/rest/api/3/issue",
		map[string]string{"Authorization": vendorapi.BasicAuth(email, token)},
		map[string]any{"fields": fields})
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, errorDetail(resp))
	}
	var out Output
	if err := vendorapi.DecodeJSON(vendor, resp, &out); err != nil {
		return Output{}, err
	}
	out.URL = base + "/browse/" + out.Key
	return out, nil
}

func issueFields(in Input) (map[string]any, error) {
	if strings.TrimSpace(in.ProjectKey) == "" {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input project_key is empty")
	}
	if strings.TrimSpace(in.Summary) == "" {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input summary is empty")
	}
	if strings.ContainsAny(in.Summary, "\r\n") {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input summary has a line break; Jira takes one line")
	}
	issueType := in.IssueType
	if issueType == "" {
		issueType = defaultIssueType
	}
	fields := map[string]any{
		"project":   map[string]string{"key": in.ProjectKey},
		"issuetype": map[string]string{"name": issueType},
		"summary":   in.Summary,
	}
	if strings.TrimSpace(in.Description) != "" {
		fields["description"] = ADF(in.Description)
	}
	if len(in.Labels) > 0 {
		for _, l := range in.Labels {
			if l == "" || strings.ContainsAny(l, " \t\n") {
				return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input label %q is empty or has a space", l)
			}
		}
		fields["labels"] = in.Labels
	}
	if in.Priority != "" {
		fields["priority"] = map[string]string{"name": in.Priority}
	}
	return fields, nil
}

// ADF converts plain text to an Atlassian Document Format document:
// blank lines separate paragraphs and single line breaks become hardBreak
// nodes. ADF rejects empty text nodes, so none is emitted.
func ADF(text string) map[string]any {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var paragraphs []any
	for _, para := range strings.Split(text, "\n\n") {
		var content []any
		for _, line := range strings.Split(strings.Trim(para, "\n"), "\n") {
			if len(content) > 0 {
				content = append(content, map[string]any{"type": "hardBreak"})
			}
			if line != "" {
				content = append(content, map[string]any{"type": "text", "text": line})
			}
		}
		if len(content) > 0 {
			paragraphs = append(paragraphs, map[string]any{"type": "paragraph", "content": content})
		}
	}
	return map[string]any{"type": "doc", "version": 1, "content": paragraphs}
}

// errorDetail joins errorMessages and the field errors of a Jira error
// body, fields sorted by name.
func errorDetail(resp *sdk.Response) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if err := resp.JSON(&e); err != nil {
		return ""
	}
	parts := append([]string{}, e.ErrorMessages...)
	names := make([]string, 0, len(e.Errors))
	for name := range e.Errors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		parts = append(parts, name+": "+e.Errors[name])
	}
	return strings.Join(parts, "; ")
}

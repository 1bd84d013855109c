// Package servicenow is the bundled action servicenow.incident_create: it
// creates an incident record through the ServiceNow Table API.
package servicenow

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor         = "servicenow"
	secretUser     = "servicenow_username"
	secretPassword = "servicenow_password"
)

// Input is the input of servicenow.incident_create.
type Input struct {
	// BaseURL is the instance, such as https://acme.service-now.com.
	BaseURL          string `json:"base_url"`
	ShortDescription string `json:"short_description"`
	Description      string `json:"description,omitempty"`
	// Urgency and Impact are 1 (high) to 3 (low); 0 leaves the
	// instance's default.
	Urgency         int    `json:"urgency,omitempty"`
	Impact          int    `json:"impact,omitempty"`
	Category        string `json:"category,omitempty"`
	CallerID        string `json:"caller_id,omitempty"`
	AssignmentGroup string `json:"assignment_group,omitempty"`
	// Fields sets further incident columns by name; the named inputs
	// above win over the same column here.
	Fields map[string]string `json:"fields,omitempty"`
}

// Output is the output of servicenow.incident_create.
type Output struct {
	SysID  string `json:"sys_id"`
	Number string `json:"number"`
	// URL is the incident form in the instance's web interface.
	URL string `json:"url"`
}

// Run sends POST /api/now/table/incident with basic authentication.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	record, err := incidentRecord(in)
	if err != nil {
		return Output{}, err
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	user, err := vendorapi.Secret(ctx, secretUser)
	if err != nil {
		return Output{}, err
	}
	password, err := vendorapi.Secret(ctx, secretPassword)
	if err != nil {
		return Output{}, err
	}

	query := url.Values{"sysparm_fields": {"sys_id,number"}}
	req, err := vendorapi.NewJSONRequest("POST", base+"/api/now/table/incident?"+query.Encode(),
		map[string]string{"Authorization": vendorapi.BasicAuth(user, password)}, record)
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

	var body struct {
		Result Output `json:"result"`
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	out := body.Result
	if out.SysID == "" {
		return Output{}, sdk.Errorf(vendorapi.CodeVendorError,
			"servicenow: response status %d has no result.sys_id: %s", resp.Status, vendorapi.Snippet(resp.Body))
	}
	out.URL = base + "/nav_to.do?uri=" + url.QueryEscape("incident.do?sys_id="+out.SysID)
	return out, nil
}

// incidentRecord returns the column values to insert.
func incidentRecord(in Input) (map[string]string, error) {
	if strings.TrimSpace(in.ShortDescription) == "" {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input short_description is empty")
	}
	record := map[string]string{}
	for k, v := range in.Fields {
		record[k] = v
	}
	set := func(column, value string) {
		if value != "" {
			record[column] = value
		}
	}
	set("short_description", in.ShortDescription)
	set("description", in.Description)
	set("category", in.Category)
	set("caller_id", in.CallerID)
	set("assignment_group", in.AssignmentGroup)
	for name, level := range map[string]int{"urgency": in.Urgency, "impact": in.Impact} {
		if level < 0 || level > 3 {
			return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input %s %d is not 1, 2 or 3", name, level)
		}
		if level != 0 {
			record[name] = strconv.Itoa(level)
		}
	}
	return record, nil
}

// errorDetail returns "message: detail" from a Table API error body.
func errorDetail(resp *sdk.Response) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
	}
	if err := resp.JSON(&e); err != nil || e.Error.Message == "" {
		return ""
	}
	if e.Error.Detail == "" {
		return e.Error.Message
	}
	return e.Error.Message + ": " + e.Error.Detail
}

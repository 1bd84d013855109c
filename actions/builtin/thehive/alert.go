// Package thehive is the bundled action thehive.alert_create: it creates
// an alert with observables through the TheHive 5 API.
package thehive

import (
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor       = "thehive"
	secretAPIKey = "thehive_api_key"
)

// Indicator is one observable, in the shape that ioc.extract outputs.
type Indicator struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Input is the input of thehive.alert_create.
type Input struct {
	BaseURL     string `json:"base_url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Type        string `json:"type,omitempty"`   // "updraft" when empty
	Source      string `json:"source,omitempty"` // "Updraft" when empty
	// SourceRef must be unique per type and source; empty means the
	// step's idempotency key, so a retried step does not create a second
	// alert.
	SourceRef string `json:"source_ref,omitempty"`
	// Severity is 1 (low) to 4 (critical); TLP is 0 to 4 and PAP 0 to 3.
	// Nil leaves TheHive's default.
	Severity     *int        `json:"severity,omitempty"`
	TLP          *int        `json:"tlp,omitempty"`
	PAP          *int        `json:"pap,omitempty"`
	Tags         []string    `json:"tags,omitempty"`
	Indicators   []Indicator `json:"indicators,omitempty"`
	Organisation string      `json:"organisation,omitempty"`
}

// Output is the output of thehive.alert_create.
type Output struct {
	ID          string `json:"id"`
	SourceRef   string `json:"source_ref"`
	Status      string `json:"status"`
	Observables int    `json:"observables"`
	// URL is the alert's page in the web interface.
	// NOTE: the path /alerts/<id>/details is the TheHive 5 web interface
	// layout, which the API documentation does not cover.
	URL string `json:"url"`
}

// dataTypes maps ioc.extract indicator types, and TheHive's own data
// types, to TheHive observable data types.
var dataTypes = map[string]string{
	"ipv4": "ip", "ipv6": "ip", "ip": "ip",
	"md5": "hash", "sha1": "hash", "sha256": "hash", "hash": "hash",
	"email": "mail", "mail": "mail",
	"url": "url", "domain": "domain", "fqdn": "fqdn", "hostname": "hostname",
	"filename": "filename", "user-agent": "user-agent", "mail-subject": "mail-subject",
	"registry": "registry", "uri_path": "uri_path", "other": "other",
}

// Run sends POST /api/v1/alert with a Bearer API key.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	alert, err := alertBody(ctx, in)
	if err != nil {
		return Output{}, err
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	key, err := vendorapi.Secret(ctx, secretAPIKey)
	if err != nil {
		return Output{}, err
	}
	headers := map[string]string{"Authorization": "Bearer " + key}
	if in.Organisation != "" {
		headers["X-Organisation"] = in.Organisation
	}
	req, err := vendorapi.NewJSONRequest("POST", base+"/api/v1/alert", headers, alert)
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

	var created struct {
		ID        string `json:"_id"`
		SourceRef string `json:"sourceRef"`
		Status    string `json:"status"`
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &created); err != nil {
		return Output{}, err
	}
	return Output{
		ID:          created.ID,
		SourceRef:   created.SourceRef,
		Status:      created.Status,
		Observables: len(alert.Observables),
		URL:         base + "/alerts/" + created.ID + "/details",
	}, nil
}

// alert is the InputAlert body of TheHive 5.
type alert struct {
	Type        string       `json:"type"`
	Source      string       `json:"source"`
	SourceRef   string       `json:"sourceRef"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Severity    *int         `json:"severity,omitempty"`
	TLP         *int         `json:"tlp,omitempty"`
	PAP         *int         `json:"pap,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
	Observables []observable `json:"observables,omitempty"`
}

type observable struct {
	DataType string `json:"dataType"`
	Data     string `json:"data"`
}

func alertBody(ctx *sdk.Context, in Input) (*alert, error) {
	if strings.TrimSpace(in.Title) == "" || strings.TrimSpace(in.Description) == "" {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input title and description are required")
	}
	if err := checkRange("severity", in.Severity, 1, 4); err != nil {
		return nil, err
	}
	if err := checkRange("tlp", in.TLP, 0, 4); err != nil {
		return nil, err
	}
	if err := checkRange("pap", in.PAP, 0, 3); err != nil {
		return nil, err
	}
	a := &alert{
		Type: orDefault(in.Type, "updraft"), Source: orDefault(in.Source, "Updraft"),
		SourceRef: orDefault(in.SourceRef, ctx.IdempotencyKey),
		Title:     in.Title, Description: in.Description,
		Severity: in.Severity, TLP: in.TLP, PAP: in.PAP, Tags: in.Tags,
	}
	if a.SourceRef == "" {
		return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input source_ref is empty and the step has no idempotency key")
	}
	seen := map[observable]bool{}
	for i, ind := range in.Indicators {
		dt, ok := dataTypes[strings.ToLower(ind.Type)]
		if !ok || strings.TrimSpace(ind.Value) == "" {
			return nil, sdk.Errorf(vendorapi.CodeInvalidInput,
				"input indicators[%d]: type %q is not a known observable type or value is empty", i, ind.Type)
		}
		o := observable{DataType: dt, Data: ind.Value}
		if !seen[o] {
			seen[o] = true
			a.Observables = append(a.Observables, o)
		}
	}
	return a, nil
}

func checkRange(name string, v *int, lo, hi int) error {
	if v != nil && (*v < lo || *v > hi) {
		return sdk.Errorf(vendorapi.CodeInvalidInput, "input %s %d is outside %d to %d", name, *v, lo, hi)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// errorDetail returns "type: message" from a TheHive error body.
func errorDetail(resp *sdk.Response) string {
	var e struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	if err := resp.JSON(&e); err != nil || e.Message == "" {
		return ""
	}
	return e.Type + ": " + e.Message
}

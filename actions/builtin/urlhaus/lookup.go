// Package urlhaus is the bundled action urlhaus.lookup: it looks up a URL
// or a host in the abuse.ch URLhaus API v1.
package urlhaus

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor      = "urlhaus"
	defaultBase = "https://urlhaus-api.abuse.ch/v1"
	secretKey   = "urlhaus_auth_key"
	// maxURLs caps the URLs of a host that the output lists.
	maxURLs = 100
)

// Input is the input of urlhaus.lookup.
type Input struct {
	Type    string `json:"type"` // url or host
	Value   string `json:"value"`
	BaseURL string `json:"base_url"`
}

// Entry is one URL that URLhaus tracks.
type Entry struct {
	URL       string   `json:"url"`
	URLStatus string   `json:"url_status"`
	Threat    string   `json:"threat"`
	DateAdded string   `json:"date_added"`
	Tags      []string `json:"tags"`
	Reference string   `json:"reference"`
}

// Output is the output of urlhaus.lookup.
type Output struct {
	Found       bool   `json:"found"`
	QueryStatus string `json:"query_status"`
	// Reference is the URLhaus page of the URL or host.
	Reference string `json:"reference"`
	// URLStatus and Threat describe a looked-up URL; they are empty for a
	// host.
	URLStatus  string            `json:"url_status"`
	Threat     string            `json:"threat"`
	Tags       []string          `json:"tags"`
	Blacklists map[string]string `json:"blacklists"`
	// URLCount is the number of URLs that URLhaus tracks on a host, and 1
	// for a found URL.
	URLCount int `json:"url_count"`
	// URLs lists at most 100 URLs of a host; it is empty for a URL.
	URLs []Entry `json:"urls"`
}

// response is the union of the URLhaus "Query URL information" and "Query
// host information" bodies.
type response struct {
	QueryStatus string            `json:"query_status"`
	Reference   string            `json:"urlhaus_reference"`
	URLStatus   string            `json:"url_status"`
	Threat      string            `json:"threat"`
	Tags        []string          `json:"tags"`
	Blacklists  map[string]string `json:"blacklists"`
	URLCount    count             `json:"url_count"`
	URLs        []struct {
		URL       string   `json:"url"`
		URLStatus string   `json:"url_status"`
		Threat    string   `json:"threat"`
		DateAdded string   `json:"date_added"`
		Tags      []string `json:"tags"`
		Reference string   `json:"urlhaus_reference"`
	} `json:"urls"`
}

// count is a number that URLhaus sends either as a JSON number or as a
// string holding one.
type count int

func (c *count) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*c = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	*c = count(n)
	return nil
}

// Run posts the URL to /url/ or the host to /host/ as a form, with the
// Auth-Key header. The query_status no_results returns found false.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	field, value, err := query(in)
	if err != nil {
		return Output{}, err
	}
	base, err := vendorapi.BaseURL(in.BaseURL, defaultBase)
	if err != nil {
		return Output{}, err
	}
	key, err := vendorapi.Secret(ctx, secretKey)
	if err != nil {
		return Output{}, err
	}

	req := &sdk.Request{
		Method: "POST",
		URL:    base + "/" + field + "/",
		Headers: map[string]string{
			"Auth-Key":     key,
			"Content-Type": "application/x-www-form-urlencoded",
			"Accept":       "application/json",
		},
		Body: []byte(url.Values{field: {value}}.Encode()),
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, "")
	}
	var body response
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	return output(field, value, &body)
}

// query returns the form field and the checked value.
func query(in Input) (field, value string, err error) {
	value = strings.TrimSpace(in.Value)
	switch in.Type {
	case "url":
		u, perr := url.Parse(value)
		if perr != nil || u.Scheme == "" || u.Host == "" {
			return "", "", sdk.Errorf(vendorapi.CodeInvalidInput, "input value %q is not an absolute URL", in.Value)
		}
		return "url", value, nil
	case "host":
		if value == "" || strings.ContainsAny(value, "/ @") {
			return "", "", sdk.Errorf(vendorapi.CodeInvalidInput,
				"input value %q is not a host name or IP address", in.Value)
		}
		return "host", strings.ToLower(value), nil
	default:
		return "", "", sdk.Errorf(vendorapi.CodeInvalidInput, "input type %q is not url or host", in.Type)
	}
}

// output maps a body with status 200 to the output, or its query_status to
// an error.
func output(field, value string, body *response) (Output, error) {
	out := Output{QueryStatus: body.QueryStatus, Tags: []string{}, Blacklists: map[string]string{}, URLs: []Entry{}}
	switch body.QueryStatus {
	case "ok":
	case "no_results":
		return out, nil
	case "invalid_url", "invalid_host":
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"urlhaus: query_status %s for %s %q", body.QueryStatus, field, value)
	case "unknown_auth_key":
		return Output{}, sdk.Errorf(vendorapi.CodeUnauthorized,
			"urlhaus: query_status unknown_auth_key; check the secret %s", secretKey)
	default:
		return Output{}, sdk.Errorf(vendorapi.CodeVendorError, "urlhaus: query_status %q", body.QueryStatus)
	}

	out.Found = true
	out.Reference = body.Reference
	out.URLStatus = body.URLStatus
	out.Threat = body.Threat
	out.URLCount = int(body.URLCount)
	if body.Tags != nil {
		out.Tags = body.Tags
	}
	if body.Blacklists != nil {
		out.Blacklists = body.Blacklists
	}
	if field == "url" {
		out.URLCount = 1
	}
	for i, u := range body.URLs {
		if i == maxURLs {
			break
		}
		tags := u.Tags
		if tags == nil {
			tags = []string{}
		}
		out.URLs = append(out.URLs, Entry{
			URL: u.URL, URLStatus: u.URLStatus, Threat: u.Threat,
			DateAdded: u.DateAdded, Tags: tags, Reference: u.Reference,
		})
	}
	return out, nil
}

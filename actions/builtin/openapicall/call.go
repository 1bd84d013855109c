// Package openapicall is the bundled function behind every action
// generated from an OpenAPI operation. The action's manifest carries the
// HTTP call in its config, and Run performs it with the action's input.
package openapicall

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// Prefix starts the name of every generated action, so that the bundle
// serves them all with Run.
const Prefix = "openapi."

// Locations of a parameter, as OpenAPI names them.
const (
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
)

// Kinds of Auth.
const (
	AuthBearer = "bearer"  // Authorization: Bearer <secret>
	AuthBasic  = "basic"   // the secret is "user:password"
	AuthAPIKey = "api_key" // the secret in the header or query parameter Name
)

// Config is the HTTP call that a generated action makes. It is the
// manifest's config.
type Config struct {
	Method     string      `json:"method"`
	URL        string      `json:"url"` // server URL and path template, such as "https://api.example/pets/{id}"
	Parameters []Parameter `json:"parameters,omitempty"`
	Body       *Body       `json:"body,omitempty"`
	// Auth lists the accepted ways to authenticate. The first one whose
	// secret is granted is used. An empty list sends no credentials.
	Auth []Auth `json:"auth,omitempty"`
}

// Parameter maps an input property to a path, query or header parameter.
type Parameter struct {
	Name  string `json:"name"`  // the parameter's name in the request
	In    string `json:"in"`    // InPath, InQuery or InHeader
	Input string `json:"input"` // the input property that holds its value
}

// Body maps an input property to a JSON request body.
type Body struct {
	Input       string `json:"input"`
	ContentType string `json:"content_type"`
}

// Auth is one way to authenticate, with the secret the manifest declares
// for it.
type Auth struct {
	Type   string `json:"type"`           // AuthBearer, AuthBasic or AuthAPIKey
	Secret string `json:"secret"`         // declared secret name
	In     string `json:"in,omitempty"`   // AuthAPIKey: InHeader or InQuery
	Name   string `json:"name,omitempty"` // AuthAPIKey: header or query parameter name
}

// Output is the result of a 2xx response. Body is the decoded JSON body,
// or the body as a string when it is not JSON.
type Output struct {
	Status int `json:"status"`
	Body   any `json:"body"`
}

// Run performs the call that the manifest's config describes.
func Run(ctx *sdk.Context, in map[string]any) (Output, error) {
	var cfg Config
	if err := json.Unmarshal(ctx.Config(), &cfg); err != nil {
		return Output{}, sdk.Errorf("invalid_config", "manifest config: %v", err)
	}
	req, err := NewRequest(&cfg, in)
	if err != nil {
		return Output{}, err
	}
	if err := authenticate(ctx, &cfg, req); err != nil {
		return Output{}, err
	}

	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(ctx.Action, req, resp, "")
	}
	return Output{Status: resp.Status, Body: decodeBody(resp.Body)}, nil
}

// NewRequest builds the request without credentials from cfg and the
// input.
func NewRequest(cfg *Config, in map[string]any) (*sdk.Request, error) {
	if cfg.URL == "" {
		return nil, sdk.Errorf("invalid_config", "manifest config has no url")
	}
	rawURL := cfg.URL
	query := url.Values{}
	headers := map[string]string{"Accept": "application/json"}
	for _, p := range cfg.Parameters {
		v, ok := in[p.Input]
		if !ok || v == nil {
			if p.In == InPath {
				return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "missing path parameter %q", p.Input)
			}
			continue
		}
		switch p.In {
		case InPath:
			rawURL = strings.ReplaceAll(rawURL, "{"+p.Name+"}", url.PathEscape(text(v)))
		case InQuery:
			for _, item := range items(v) {
				query.Add(p.Name, text(item))
			}
		case InHeader:
			headers[p.Name] = text(v)
		}
	}
	if len(query) > 0 {
		rawURL += "?" + query.Encode()
	}

	req := &sdk.Request{Method: cfg.Method, URL: rawURL, Headers: headers}
	if cfg.Body != nil {
		if v, ok := in[cfg.Body.Input]; ok {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, sdk.Errorf(vendorapi.CodeInvalidInput, "input %q: %v", cfg.Body.Input, err)
			}
			req.Body = b
			req.Headers["Content-Type"] = cfg.Body.ContentType
		}
	}
	return req, nil
}

// authenticate adds the credentials of the first Auth whose secret is
// granted.
func authenticate(ctx *sdk.Context, cfg *Config, req *sdk.Request) error {
	if len(cfg.Auth) == 0 {
		return nil
	}
	for _, a := range cfg.Auth {
		secret, ok := ctx.Secret(a.Secret)
		if !ok || secret == "" {
			continue
		}
		return applyAuth(a, secret, req)
	}
	names := make([]string, len(cfg.Auth))
	for i, a := range cfg.Auth {
		names[i] = fmt.Sprintf("%q", a.Secret)
	}
	return sdk.Errorf(vendorapi.CodeSecretUnavailable,
		"none of the secrets %s is granted to this action; grant one in the node's secrets",
		strings.Join(names, ", "))
}

func applyAuth(a Auth, secret string, req *sdk.Request) error {
	switch a.Type {
	case AuthBearer:
		req.Headers["Authorization"] = "Bearer " + secret
	case AuthBasic:
		user, password, _ := strings.Cut(secret, ":")
		req.Headers["Authorization"] = vendorapi.BasicAuth(user, password)
	case AuthAPIKey:
		if a.In == InQuery {
			sep := "?"
			if strings.Contains(req.URL, "?") {
				sep = "&"
			}
			req.URL += sep + url.QueryEscape(a.Name) + "=" + url.QueryEscape(secret)
			return nil
		}
		req.Headers[a.Name] = secret
	default:
		return sdk.Errorf("invalid_config", "auth type %q is not supported", a.Type)
	}
	return nil
}

// text formats a parameter value: strings as they are, other values as
// JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// items returns the elements of an array, or v alone.
func items(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

func decodeBody(body []byte) any {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	return v
}

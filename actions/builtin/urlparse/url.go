// Package urlparse is the bundled actions url.parse and domain.parse:
// they split a URL or a domain name into its parts.
package urlparse

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/defang"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// Input is the input of url.parse.
type Input struct {
	URL string `json:"url"`
}

// Output is the output of url.parse.
type Output struct {
	URL      string `json:"url"` // the refanged URL
	Scheme   string `json:"scheme"`
	Username string `json:"username"`
	Host     string `json:"host"` // lowercase, without port and brackets
	Port     *int   `json:"port"` // nil when the URL has no port
	Path     string `json:"path"`
	// Query holds the first value of each query parameter; RawQuery has
	// them all.
	Query    map[string]string `json:"query"`
	RawQuery string            `json:"raw_query"`
	Fragment string            `json:"fragment"`
	IsIP     bool              `json:"is_ip"`
	// The domain fields are empty when the host is an IP address.
	RegisteredDomain string `json:"registered_domain"`
	Subdomain        string `json:"subdomain"`
	TLD              string `json:"tld"`
}

// Run is the action function of url.parse. A URL without "://" is read
// as a host followed by a path, with an empty scheme.
func Run(_ *sdk.Context, in Input) (Output, error) {
	raw := strings.TrimSpace(defang.Refang(in.URL))
	if raw == "" {
		return Output{}, sdk.Errorf("invalid_url", "url is empty")
	}
	parseable := raw
	if !strings.Contains(raw, "://") {
		parseable = "//" + raw
	}
	u, err := url.Parse(parseable)
	if err != nil {
		return Output{}, sdk.Errorf("invalid_url", "%v", err)
	}
	if u.Host == "" {
		return Output{}, sdk.Errorf("invalid_url", "url %q has no host", raw)
	}
	return newOutput(raw, u)
}

func newOutput(raw string, u *url.URL) (Output, error) {
	out := Output{
		URL:      raw,
		Scheme:   strings.ToLower(u.Scheme),
		Username: u.User.Username(),
		Host:     strings.TrimSuffix(strings.ToLower(u.Hostname()), "."),
		Path:     u.Path,
		Query:    map[string]string{},
		RawQuery: u.RawQuery,
		Fragment: u.Fragment,
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port > 65535 {
			return Output{}, sdk.Errorf("invalid_url", "port %q is not a number from 0 to 65535", p)
		}
		out.Port = &port
	}
	for key, values := range u.Query() {
		out.Query[key] = values[0]
	}

	if _, err := netip.ParseAddr(out.Host); err == nil {
		out.IsIP = true
		return out, nil
	}
	d := SplitDomain(out.Host)
	out.RegisteredDomain, out.Subdomain, out.TLD = d.RegisteredDomain, d.Subdomain, d.TLD
	return out, nil
}

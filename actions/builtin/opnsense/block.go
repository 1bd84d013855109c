// Package opnsense is the bundled action opnsense.block_ip: it adds an IP
// address to an OPNsense firewall alias that a block rule references.
package opnsense

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor       = "opnsense"
	secretKey    = "opnsense_api_key"
	secretSecret = "opnsense_api_secret"
)

// aliasName matches OPNsense alias names: letters, digits and
// underscores, at most 32 characters.
var aliasName = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)

// Input is the input of opnsense.block_ip.
type Input struct {
	BaseURL string `json:"base_url"`
	// Alias is a host or network alias that a block rule references.
	Alias string `json:"alias"`
	// IP is an IPv4 or IPv6 address or CIDR prefix.
	IP string `json:"ip"`
}

// Output is the output of opnsense.block_ip.
type Output struct {
	Blocked bool   `json:"blocked"`
	Alias   string `json:"alias"`
	Address string `json:"address"`
	Status  string `json:"status"`
}

// Run sends POST /api/firewall/alias_util/add/<alias> with {"address":ip}
// and basic authentication with the API key and secret. OPNsense returns
// 200 with {"status":"done"} on success.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	address, err := checkAddress(in.IP)
	if err != nil {
		return Output{}, err
	}
	if !aliasName.MatchString(in.Alias) {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"input alias %q is not an alias name (letters, digits, _; at most 32)", in.Alias)
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	key, err := vendorapi.Secret(ctx, secretKey)
	if err != nil {
		return Output{}, err
	}
	secret, err := vendorapi.Secret(ctx, secretSecret)
	if err != nil {
		return Output{}, err
	}

	req, err := vendorapi.NewJSONRequest("POST", base+"/api/firewall/alias_util/add/"+url.PathEscape(in.Alias),
		map[string]string{"Authorization": vendorapi.BasicAuth(key, secret)},
		map[string]string{"address": address})
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, "")
	}
	var body struct {
		Status string `json:"status"`
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	switch body.Status {
	case "done":
		return Output{Blocked: true, Alias: in.Alias, Address: address, Status: body.Status}, nil
	case "not_an_address":
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"opnsense: alias %q: address %q rejected: not_an_address", in.Alias, address)
	default:
		return Output{}, sdk.Errorf(vendorapi.CodeVendorError,
			"opnsense: alias %q: add %q returned status %q", in.Alias, address, body.Status)
	}
}

// checkAddress returns the canonical form of an IP address or prefix.
func checkAddress(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if p, err := netip.ParsePrefix(raw); err == nil {
		return p.Masked().String(), nil
	}
	if a, err := netip.ParseAddr(raw); err == nil && a.Zone() == "" {
		return a.String(), nil
	}
	return "", sdk.Errorf(vendorapi.CodeInvalidInput, "input ip %q is not an IP address or CIDR prefix", raw)
}

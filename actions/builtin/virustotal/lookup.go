// Package virustotal is the bundled action virustotal.lookup: it looks up
// a file hash, URL, domain or IP address in VirusTotal API v3.
package virustotal

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor      = "virustotal"
	defaultBase = "https://www.virustotal.com/api/v3"
	guiBase     = "https://www.virustotal.com/gui/"
	secretKey   = "virustotal_api_key"
)

// Input is the input of virustotal.lookup.
type Input struct {
	// Type is hash, md5, sha1, sha256, url, domain, ip, ipv4 or ipv6; the
	// ioc.extract types are accepted as they are.
	Type    string `json:"type"`
	Value   string `json:"value"`
	BaseURL string `json:"base_url"`
}

// Stats is the last_analysis_stats of a VirusTotal object: the number of
// engines that gave each result.
type Stats struct {
	Malicious  int `json:"malicious"`
	Suspicious int `json:"suspicious"`
	Undetected int `json:"undetected"`
	Harmless   int `json:"harmless"`
	Timeout    int `json:"timeout"`
}

// Output is the output of virustotal.lookup.
type Output struct {
	Found bool `json:"found"`
	// Kind is the VirusTotal collection: file, url, domain or ip_address.
	Kind string `json:"kind"`
	// ID is the object's VirusTotal id: the hash, the unpadded base64url
	// of the URL, the domain or the IP address.
	ID         string `json:"id"`
	Stats      Stats  `json:"last_analysis_stats"`
	Reputation int    `json:"reputation"`
	// Verdict is malicious, suspicious, harmless, undetected or unknown.
	Verdict string `json:"verdict"`
	Link    string `json:"link"`
}

// object is the part of a VirusTotal API v3 object response that the
// action reads.
type object struct {
	Data struct {
		ID         string `json:"id"`
		Attributes struct {
			Stats      Stats `json:"last_analysis_stats"`
			Reputation int   `json:"reputation"`
		} `json:"attributes"`
	} `json:"data"`
}

// apiError is the VirusTotal API v3 error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Run looks the indicator up. An object that VirusTotal does not know
// (status 404) returns found false and verdict unknown, not an error.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	target, err := resolve(in.Type, in.Value)
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
		Method:  "GET",
		URL:     base + "/" + target.collection + "/" + url.PathEscape(target.id),
		Headers: map[string]string{"x-apikey": key, "Accept": "application/json"},
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	out := Output{Kind: target.kind, ID: target.id, Verdict: "unknown", Link: target.link}
	if resp.Status == 404 {
		return out, nil
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, errorDetail(resp))
	}

	var obj object
	if err := vendorapi.DecodeJSON(vendor, resp, &obj); err != nil {
		return Output{}, err
	}
	out.Found = true
	out.Stats = obj.Data.Attributes.Stats
	out.Reputation = obj.Data.Attributes.Reputation
	out.Verdict = verdict(out.Stats)
	return out, nil
}

// target is the location of an indicator in the API and the web interface.
type target struct {
	kind       string // file, url, domain or ip_address
	collection string // API path segment
	id         string
	link       string
}

// resolve checks the value for its type and returns its API location.
func resolve(typ, value string) (target, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input value is empty")
	}
	switch strings.ToLower(typ) {
	case "hash", "md5", "sha1", "sha256":
		return fileTarget(value)
	case "url":
		return urlTarget(value)
	case "domain":
		return domainTarget(value)
	case "ip", "ipv4", "ipv6":
		return ipTarget(value)
	default:
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"input type %q is not one of hash, md5, sha1, sha256, url, domain, ip, ipv4, ipv6", typ)
	}
}

func fileTarget(value string) (target, error) {
	h := strings.ToLower(value)
	if _, err := hex.DecodeString(h); err != nil || (len(h) != 32 && len(h) != 40 && len(h) != 64) {
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"input value %q is not an MD5, SHA-1 or SHA-256 hex digest", value)
	}
	return target{kind: "file", collection: "files", id: h, link: guiBase + "file/" + h}, nil
}

// urlTarget identifies a URL by the unpadded base64url encoding of the URL
// (RFC 4648 section 5), as VirusTotal API v3 documents for /urls/{id}.
func urlTarget(value string) (target, error) {
	u, err := url.Parse(value)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input value %q is not an absolute URL", value)
	}
	id := base64.RawURLEncoding.EncodeToString([]byte(value))
	return target{kind: "url", collection: "urls", id: id, link: guiBase + "url/" + id}, nil
}

func domainTarget(value string) (target, error) {
	d := strings.TrimSuffix(strings.ToLower(value), ".")
	if strings.ContainsAny(d, "/:@ ") || !strings.Contains(d, ".") {
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input value %q is not a domain name", value)
	}
	return target{kind: "domain", collection: "domains", id: d, link: guiBase + "domain/" + d}, nil
}

func ipTarget(value string) (target, error) {
	addr, err := netip.ParseAddr(value)
	if err != nil {
		return target{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input value %q is not an IP address", value)
	}
	ip := addr.String()
	return target{kind: "ip_address", collection: "ip_addresses", id: ip, link: guiBase + "ip-address/" + ip}, nil
}

// verdict returns malicious when at least one engine flagged the object as
// malicious, else suspicious when one flagged it suspicious, else harmless
// when one called it harmless, and undetected otherwise.
func verdict(s Stats) string {
	switch {
	case s.Malicious > 0:
		return "malicious"
	case s.Suspicious > 0:
		return "suspicious"
	case s.Harmless > 0:
		return "harmless"
	default:
		return "undetected"
	}
}

// errorDetail returns "Code: message" from a VirusTotal error body, or ""
// when the body is not one.
func errorDetail(resp *sdk.Response) string {
	var e apiError
	if err := resp.JSON(&e); err != nil || e.Error.Code == "" {
		return ""
	}
	return fmt.Sprintf("%s: %s", e.Error.Code, e.Error.Message)
}

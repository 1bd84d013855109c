package urlparse

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/updraftsoar/updraft/actions/builtin/defang"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// Domain is a domain name split by the public suffix list.
type Domain struct {
	Domain string `json:"domain"` // lowercase, without a trailing dot
	// RegisteredDomain is the public suffix plus one label, such as
	// "example.co.uk", or "" when the name is itself a public suffix.
	RegisteredDomain string `json:"registered_domain"`
	// Subdomain is the part before RegisteredDomain, such as "login".
	Subdomain string `json:"subdomain"`
	TLD       string `json:"tld"` // the public suffix, such as "co.uk"
	// ICANN is true when the suffix is in the ICANN section of the list,
	// and false for private suffixes such as "github.io" and unlisted ones.
	ICANN  bool     `json:"icann"`
	Labels []string `json:"labels"`
}

// DomainInput is the input of domain.parse.
type DomainInput struct {
	Domain string `json:"domain"`
}

// RunDomain is the action function of domain.parse.
func RunDomain(_ *sdk.Context, in DomainInput) (Domain, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(defang.Refang(in.Domain))), ".")
	if err := checkDomain(name); err != nil {
		return Domain{}, err
	}
	return SplitDomain(name), nil
}

// SplitDomain splits a lowercase domain name by the public suffix list
// that golang.org/x/net/publicsuffix embeds. A name under a suffix that
// the list does not know, such as "example", takes its last label as the
// suffix.
func SplitDomain(name string) Domain {
	tld, icann := publicsuffix.PublicSuffix(name)
	d := Domain{Domain: name, TLD: tld, ICANN: icann, Labels: strings.Split(name, ".")}
	registered, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return d // the name is a public suffix
	}
	d.RegisteredDomain = registered
	d.Subdomain = strings.TrimSuffix(strings.TrimSuffix(name, registered), ".")
	return d
}

func checkDomain(name string) error {
	if name == "" {
		return sdk.Errorf("invalid_domain", "domain is empty")
	}
	if _, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		return sdk.Errorf("invalid_domain", "%q is an IP address, not a domain name", name)
	}
	if strings.ContainsAny(name, " \t\r\n/:@?#[]\\") {
		return sdk.Errorf("invalid_domain", "%q contains characters that a domain name cannot have", name)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return sdk.Errorf("invalid_domain", "%q has a label that is empty or longer than 63 bytes", name)
		}
	}
	return nil
}

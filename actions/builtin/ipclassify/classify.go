// Package ipclassify is the bundled action ip.classify: it reports the
// special-purpose ranges that contain an IP address and the entries of a
// given list of CIDR prefixes that contain it.
package ipclassify

import (
	"net/netip"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// maxCIDRs is the maximum length of Input.CIDRs.
const maxCIDRs = 10000

// Input is the input of ip.classify.
type Input struct {
	IP    string   `json:"ip"`
	CIDRs []string `json:"cidrs"`
}

// Output is the output of ip.classify.
type Output struct {
	IP            string   `json:"ip"` // canonical form, IPv4-mapped addresses unmapped
	Version       int      `json:"version"`
	Private       bool     `json:"private"`
	Loopback      bool     `json:"loopback"`
	LinkLocal     bool     `json:"link_local"`
	Multicast     bool     `json:"multicast"`
	Documentation bool     `json:"documentation"`
	CGNAT         bool     `json:"cgnat"`
	Unspecified   bool     `json:"unspecified"`
	Reserved      bool     `json:"reserved"`
	Global        bool     `json:"global"`
	Matches       []string `json:"matches"` // the entries of Input.CIDRs that contain IP
	InCIDRs       bool     `json:"in_cidrs"`
}

// Special-purpose blocks from the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (RFC 6890 and its updates) that netip.Addr has no
// method for.
var (
	documentation = prefixes("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
		"2001:db8::/32", "3fff::/20")
	cgnat = prefixes("100.64.0.0/10")
	// reserved holds the blocks that are not globally reachable and that
	// no other flag covers.
	// NOTE: 2001::/23 counts as a whole, though IANA marks a few blocks
	// inside it, such as 2001:3::/32, as globally reachable.
	reserved = prefixes("0.0.0.0/8", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15",
		"240.0.0.0/4", "100::/64", "2001::/23", "fec0::/10")
)

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

func inAny(addr netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Run is the action function of ip.classify.
func Run(_ *sdk.Context, in Input) (Output, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(in.IP))
	if err != nil {
		return Output{}, sdk.Errorf("invalid_ip", "ip %q: %v", in.IP, err)
	}
	matches, err := matchCIDRs(addr.Unmap().WithZone(""), in.CIDRs)
	if err != nil {
		return Output{}, err
	}
	out := Classify(addr)
	out.Matches, out.InCIDRs = matches, len(matches) > 0
	return out, nil
}

// Classify sets the flags of addr. An IPv4-mapped IPv6 address is
// classified as the IPv4 address it maps, and a zone such as "%eth0" is
// kept in IP but ignored otherwise. Global is true when no other flag is
// set.
func Classify(addr netip.Addr) Output {
	ip := addr.Unmap().String()
	addr = addr.Unmap().WithZone("")
	out := Output{
		IP:            ip,
		Version:       6,
		Private:       addr.IsPrivate(),
		Loopback:      addr.IsLoopback(),
		LinkLocal:     addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast(),
		Multicast:     addr.IsMulticast(),
		Documentation: inAny(addr, documentation),
		CGNAT:         inAny(addr, cgnat),
		Unspecified:   addr.IsUnspecified(),
		Reserved:      inAny(addr, reserved) || addr == netip.IPv4Unspecified(),
		Matches:       []string{},
	}
	if addr.Is4() {
		out.Version = 4
	}
	out.Global = !(out.Private || out.Loopback || out.LinkLocal || out.Multicast ||
		out.Documentation || out.CGNAT || out.Unspecified || out.Reserved)
	return out
}

// matchCIDRs returns the entries of cidrs that contain addr. An entry may
// be a single address, which matches only itself.
func matchCIDRs(addr netip.Addr, cidrs []string) ([]string, error) {
	if len(cidrs) > maxCIDRs {
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "cidrs has %d entries, more than the maximum of %d",
			len(cidrs), maxCIDRs)
	}
	matches := []string{}
	for _, entry := range cidrs {
		p, err := parsePrefix(strings.TrimSpace(entry))
		if err != nil {
			return nil, sdk.Errorf("invalid_cidr", "cidr %q: %v", entry, err)
		}
		if p.Contains(addr) {
			matches = append(matches, entry)
		}
	}
	return matches, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

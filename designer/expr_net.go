package designer

import (
	"fmt"
	"net/netip"
	"strings"
)

// sharedAddressSpace is the carrier-grade NAT range of RFC 6598, which
// netip does not count as private.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// cidrContains implements cidrContains(cidr, ip).
func cidrContains(args ...any) (any, error) {
	s, err := argString("cidrContains", args, 0)
	if err != nil {
		return nil, err
	}
	prefix, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("cidrContains: invalid CIDR %s; write a network such as \"10.0.0.0/8\"",
			preview(s))
	}
	addr, err := argAddr("cidrContains", args, 1)
	if err != nil {
		return nil, err
	}
	return prefix.Contains(addr.Unmap()), nil
}

// isPrivateIP implements isPrivateIP(ip): true for RFC 1918 and RFC 4193
// private addresses, RFC 6598 shared addresses, loopback and link-local
// addresses.
func isPrivateIP(args ...any) (any, error) {
	addr, err := argAddr("isPrivateIP", args, 0)
	if err != nil {
		return nil, err
	}
	addr = addr.Unmap()
	private := addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() ||
		sharedAddressSpace.Contains(addr)
	return private, nil
}

func argAddr(fn string, args []any, i int) (netip.Addr, error) {
	s, err := argString(fn, args, i)
	if err != nil {
		return netip.Addr{}, err
	}
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s: invalid IP address %s", fn, preview(s))
	}
	return addr, nil
}

package ipclassify

import (
	"errors"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func TestRun_Flags(t *testing.T) {
	tests := []struct {
		ip   string
		want Output
	}{
		{"8.8.8.8", Output{IP: "8.8.8.8", Version: 4, Global: true}},
		{"10.1.2.3", Output{IP: "10.1.2.3", Version: 4, Private: true}},
		{"172.31.255.1", Output{IP: "172.31.255.1", Version: 4, Private: true}},
		{"127.0.0.1", Output{IP: "127.0.0.1", Version: 4, Loopback: true}},
		{"169.254.169.254", Output{IP: "169.254.169.254", Version: 4, LinkLocal: true}},
		{"224.0.0.251", Output{IP: "224.0.0.251", Version: 4, Multicast: true, LinkLocal: true}},
		{"239.1.1.1", Output{IP: "239.1.1.1", Version: 4, Multicast: true}},
		{"203.0.113.9", Output{IP: "203.0.113.9", Version: 4, Documentation: true}},
		{"100.100.1.1", Output{IP: "100.100.1.1", Version: 4, CGNAT: true}},
		{"0.0.0.0", Output{IP: "0.0.0.0", Version: 4, Unspecified: true, Reserved: true}},
		{"198.18.0.5", Output{IP: "198.18.0.5", Version: 4, Reserved: true}},
		{"255.255.255.255", Output{IP: "255.255.255.255", Version: 4, Reserved: true}},
		{"2606:4700::1111", Output{IP: "2606:4700::1111", Version: 6, Global: true}},
		{"2001:DB8::1", Output{IP: "2001:db8::1", Version: 6, Documentation: true}},
		{"fd12::1", Output{IP: "fd12::1", Version: 6, Private: true}},
		{"::1", Output{IP: "::1", Version: 6, Loopback: true}},
		{"fe80::1%eth0", Output{IP: "fe80::1%eth0", Version: 6, LinkLocal: true}},
		{"::", Output{IP: "::", Version: 6, Unspecified: true}},
		{"::ffff:192.168.1.1", Output{IP: "192.168.1.1", Version: 4, Private: true}},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			got, err := Run(sdk.NewTestContext(nil), Input{IP: tt.ip})
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Matches = []string{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Run(%s) =\n%+v\nwant\n%+v", tt.ip, got, tt.want)
			}
		})
	}
}

func TestRun_CIDRs(t *testing.T) {
	tests := []struct {
		name  string
		ip    string
		cidrs []string
		want  []string
	}{
		{"ipv4 in two", "203.0.113.9", []string{"203.0.113.0/24", "198.51.100.0/24", "203.0.0.0/8"},
			[]string{"203.0.113.0/24", "203.0.0.0/8"}},
		{"unmasked prefix", "10.1.2.3", []string{"10.1.2.99/16"}, []string{"10.1.2.99/16"}},
		{"single address", "10.1.2.3", []string{"10.1.2.3", "10.1.2.4"}, []string{"10.1.2.3"}},
		{"mapped address", "::ffff:10.1.2.3", []string{"10.0.0.0/8"}, []string{"10.0.0.0/8"}},
		{"ipv6", "2001:db8::5", []string{"2001:db8::/32", "10.0.0.0/8"}, []string{"2001:db8::/32"}},
		{"none", "8.8.8.8", []string{"10.0.0.0/8"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(sdk.NewTestContext(nil), Input{IP: tt.ip, CIDRs: tt.cidrs})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Matches, tt.want) {
				t.Errorf("matches = %q, want %q", got.Matches, tt.want)
			}
			if got.InCIDRs != (len(tt.want) > 0) {
				t.Errorf("in_cidrs = %v, want %v", got.InCIDRs, len(tt.want) > 0)
			}
		})
	}
}

func TestRun_Invalid(t *testing.T) {
	tests := []struct {
		name     string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{"bad ip", Input{IP: "203.0.113"}, "invalid_ip",
			`ip "203.0.113": ParseAddr("203.0.113"): IPv4 address too short`},
		{"bad cidr", Input{IP: "10.0.0.1", CIDRs: []string{"10.0.0.0/33"}}, "invalid_cidr",
			`cidr "10.0.0.0/33": netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), tt.in)
			var serr *sdk.Error
			if !errors.As(err, &serr) {
				t.Fatalf("error = %v, want *sdk.Error", err)
			}
			if serr.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", serr.Code, tt.wantCode)
			}
			if serr.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", serr.Message, tt.wantMsg)
			}
		})
	}
}

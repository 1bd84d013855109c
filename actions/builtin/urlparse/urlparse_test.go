package urlparse

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func TestRun(t *testing.T) {
	port := func(p int) *int { return &p }
	tests := []struct {
		name string
		url  string
		want Output
	}{
		{
			name: "defanged url with query",
			url:  "hxxps://Login.Paypa1-Secure[.]example/verify?id=3f9a7c&id=2&lang=ja#top",
			want: Output{
				URL:    "https://Login.Paypa1-Secure.example/verify?id=3f9a7c&id=2&lang=ja#top",
				Scheme: "https", Host: "login.paypa1-secure.example", Path: "/verify",
				Query:    map[string]string{"id": "3f9a7c", "lang": "ja"},
				RawQuery: "id=3f9a7c&id=2&lang=ja", Fragment: "top",
				RegisteredDomain: "paypa1-secure.example", Subdomain: "login", TLD: "example",
			},
		},
		{
			name: "multi-label public suffix and port",
			url:  "http://user@a.b.shop.example.co.uk:8080/x",
			want: Output{
				URL: "http://user@a.b.shop.example.co.uk:8080/x", Scheme: "http", Username: "user",
				Host: "a.b.shop.example.co.uk", Port: port(8080), Path: "/x", Query: map[string]string{},
				RegisteredDomain: "example.co.uk", Subdomain: "a.b.shop", TLD: "co.uk",
			},
		},
		{
			name: "ip host",
			url:  "http://203.0.113.9/t.gif",
			want: Output{
				URL: "http://203.0.113.9/t.gif", Scheme: "http", Host: "203.0.113.9",
				Path: "/t.gif", Query: map[string]string{}, IsIP: true,
			},
		},
		{
			name: "ipv6 host",
			url:  "https://[2001:DB8::1]:443/",
			want: Output{
				URL: "https://[2001:DB8::1]:443/", Scheme: "https", Host: "2001:db8::1",
				Port: port(443), Path: "/", Query: map[string]string{}, IsIP: true,
			},
		},
		{
			name: "no scheme",
			url:  "evil[.]example/path",
			want: Output{
				URL: "evil.example/path", Host: "evil.example", Path: "/path", Query: map[string]string{},
				RegisteredDomain: "evil.example", TLD: "example",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(sdk.NewTestContext(nil), Input{URL: tt.url})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got.Query, tt.want.Query) {
				t.Errorf("query = %v, want %v", got.Query, tt.want.Query)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Run =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestRun_InvalidURL(t *testing.T) {
	tests := []struct{ name, url, wantMsg string }{
		{"empty", "  ", "url is empty"},
		{"no host", "https:///path", `url "https:///path" has no host`},
		{"unparsable", "mailto:x", `parse "//mailto:x": invalid port ":x" after host`},
		{"bad port", "http://a.example:99999/", `port "99999" is not a number from 0 to 65535`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), Input{URL: tt.url})
			wantError(t, err, "invalid_url", tt.wantMsg)
		})
	}
}

func TestRunDomain(t *testing.T) {
	tests := []struct {
		name, domain string
		want         Domain
	}{
		{
			name:   "defanged subdomain",
			domain: "Login.Paypa1-Secure[.]example.",
			want: Domain{
				Domain: "login.paypa1-secure.example", RegisteredDomain: "paypa1-secure.example",
				Subdomain: "login", TLD: "example", Labels: []string{"login", "paypa1-secure", "example"},
			},
		},
		{
			name:   "icann suffix",
			domain: "mail.example.co.jp",
			want: Domain{
				Domain: "mail.example.co.jp", RegisteredDomain: "example.co.jp", Subdomain: "mail",
				TLD: "co.jp", ICANN: true, Labels: []string{"mail", "example", "co", "jp"},
			},
		},
		{
			name:   "private suffix",
			domain: "attacker.github.io",
			want: Domain{
				Domain: "attacker.github.io", RegisteredDomain: "attacker.github.io",
				TLD: "github.io", Labels: []string{"attacker", "github", "io"},
			},
		},
		{
			name:   "public suffix alone",
			domain: "co.uk",
			want:   Domain{Domain: "co.uk", TLD: "co.uk", ICANN: true, Labels: []string{"co", "uk"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RunDomain(sdk.NewTestContext(nil), DomainInput{Domain: tt.domain})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RunDomain =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestRunDomain_Invalid(t *testing.T) {
	tests := []struct{ name, domain, wantMsg string }{
		{"empty", "", "domain is empty"},
		{"ip", "203.0.113.9", `"203.0.113.9" is an IP address, not a domain name`},
		{"url", "https://a.example/", `"https://a.example/" contains characters that a domain name cannot have`},
		{"empty label", "a..example", `"a..example" has a label that is empty or longer than 63 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunDomain(sdk.NewTestContext(nil), DomainInput{Domain: tt.domain})
			wantError(t, err, "invalid_domain", tt.wantMsg)
		})
	}
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var serr *sdk.Error
	if !errors.As(err, &serr) {
		t.Fatalf("error = %v, want *sdk.Error", err)
	}
	if serr.Code != code {
		t.Errorf("code = %q, want %q", serr.Code, code)
	}
	if serr.Message != msg {
		t.Errorf("message = %q, want %q", serr.Message, msg)
	}
}

package iocextract

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

func TestExtract_Types(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Indicator
	}{
		{
			name: "defanged url with its domain",
			text: "visit hxxps://Evil[.]Example/Login?A=1.",
			want: []Indicator{
				{"url", "https://evil.example/Login?A=1"},
				{"domain", "evil.example"},
			},
		},
		{
			name: "url with ip host",
			text: "pixel http://203.0.113.9/t.gif?u=x",
			want: []Indicator{
				{"url", "http://203.0.113.9/t.gif?u=x"},
				{"ipv4", "203.0.113.9"},
			},
		},
		{
			name: "email with defanged at",
			text: "Mail Bob.Smith[at]corp(.)example now",
			want: []Indicator{
				{"domain", "corp.example"},
				{"email", "bob.smith@corp.example"},
			},
		},
		{
			name: "file names are not domains",
			text: "open invoice.pdf and report.docx and verification_form.zip and main.go",
			want: []Indicator{},
		},
		{
			name: "real tld in public suffix list",
			text: "beacon to update-check.com.",
			want: []Indicator{{"domain", "update-check.com"}},
		},
		{
			name: "ipv4 inside version number skipped",
			text: "version 1.2.3.4.5 but host 198.51.100.7, and 999.1.1.1",
			want: []Indicator{{"ipv4", "198.51.100.7"}},
		},
		{
			name: "ipv6",
			text: "from 2001:DB8::1 at 10:30:00 and mac 00:1a:2b:3c:4d:5e",
			want: []Indicator{{"ipv6", "2001:db8::1"}},
		},
		{
			name: "hashes by length",
			text: "md5 D41D8CD98F00B204E9800998ECF8427E sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 " +
				"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 other 0123456789abcdef0123",
			want: []Indicator{
				{"md5", "d41d8cd98f00b204e9800998ecf8427e"},
				{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
				{"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
			},
		},
		{
			name: "duplicates reported once",
			text: "a.example A.EXAMPLE a[.]example",
			want: []Indicator{{"domain", "a.example"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.text).Indicators
			if !slices.Equal(got, tt.want) {
				t.Errorf("Extract(%q) =\n%v\nwant\n%v", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtract_CountsEveryType(t *testing.T) {
	r := Extract("a.example 203.0.113.1")
	for _, typ := range indicatorTypes {
		if _, ok := r.Counts[typ]; !ok {
			t.Errorf("counts has no %q", typ)
		}
	}
	if r.Counts["domain"] != 1 || r.Counts["ipv4"] != 1 || r.Counts["url"] != 0 {
		t.Errorf("counts = %v, want domain 1, ipv4 1, url 0", r.Counts)
	}
}

func TestExtract_PhishingReport(t *testing.T) {
	raw, err := os.ReadFile("testdata/phishing-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}

	for name, text := range map[string]string{"body": report.Body, "whole file": string(raw)} {
		t.Run(name, func(t *testing.T) {
			got := Extract(text).Indicators
			for _, want := range []Indicator{
				{"domain", "paypa1-secure.example"},
				{"ipv4", "203.0.113.9"},
				{"email", "support-desk@mailbox-relay.example"},
				{"url", "https://paypa1-secure.example/verify?id=3f9a7c"},
			} {
				if !slices.Contains(got, want) {
					t.Errorf("missing %v in %v", want, got)
				}
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	f.Add("hxxps://paypa1-secure[.]example/verify?id=3f9a7c from 203.0.113.9")
	f.Add("support-desk[@]mailbox-relay(.)example 2001:db8::1 d41d8cd98f00b204e9800998ecf8427e")
	f.Add("http://[::1]:80/ a.b.c.d.e 1.2.3.4.5 x@y")
	f.Fuzz(func(t *testing.T, text string) {
		r := Extract(text)
		total := 0
		for _, ind := range r.Indicators {
			if ind.Value == "" || !slices.Contains(indicatorTypes, ind.Type) {
				t.Fatalf("Extract(%q) returned %+v", text, ind)
			}
		}
		for _, n := range r.Counts {
			total += n
		}
		if total != len(r.Indicators) {
			t.Fatalf("Extract(%q): counts sum to %d, want %d", text, total, len(r.Indicators))
		}
	})
}

package listmatch

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestMatchList(t *testing.T) {
	blocklist := []string{
		"# known bad", "", "Paypa1-Secure.example", "203.0.113.0/24",
		"https://bad.example/Path", "A9FCEEFD733166C2085BC428FF9C136932B8F3E2FBEA2E69C60DDEB1F50C1CD5",
	}
	tests := []struct {
		name       string
		indicators string
		subdomains bool
		want       []Match
	}{
		{
			name:       "domain ignores case",
			indicators: `["PAYPA1-secure.example", "good.example"]`,
			want:       []Match{{Value: "PAYPA1-secure.example", Entry: "Paypa1-Secure.example"}},
		},
		{
			name:       "typed ip in cidr",
			indicators: `[{"type":"ipv4","value":"203.0.113.9"}, {"type":"ipv4","value":"198.51.100.1"}]`,
			want:       []Match{{Type: "ipv4", Value: "203.0.113.9", Entry: "203.0.113.0/24"}},
		},
		{
			name:       "url path keeps case",
			indicators: `["HTTPS://BAD.example/Path", "https://bad.example/path"]`,
			want:       []Match{{Value: "HTTPS://BAD.example/Path", Entry: "https://bad.example/Path"}},
		},
		{
			name:       "hash ignores case",
			indicators: `["a9fceefd733166c2085bc428ff9c136932b8f3e2fbea2e69c60ddeb1f50c1cd5"]`,
			want: []Match{{
				Value: "a9fceefd733166c2085bc428ff9c136932b8f3e2fbea2e69c60ddeb1f50c1cd5",
				Entry: "A9FCEEFD733166C2085BC428FF9C136932B8F3E2FBEA2E69C60DDEB1F50C1CD5",
			}},
		},
		{
			name:       "subdomain needs option",
			indicators: `["login.paypa1-secure.example"]`,
			want:       []Match{},
		},
		{
			name:       "subdomain with option",
			indicators: `["login.paypa1-secure.example"]`,
			subdomains: true,
			want:       []Match{{Value: "login.paypa1-secure.example", Entry: "Paypa1-Secure.example"}},
		},
		{
			name:       "duplicates reported once",
			indicators: `["paypa1-secure.example", {"type":"domain","value":"PAYPA1-SECURE.EXAMPLE"}]`,
			want:       []Match{{Value: "paypa1-secure.example", Entry: "Paypa1-Secure.example"}},
		},
		{
			name:       "comment line is not an entry",
			indicators: `["# known bad"]`,
			want:       []Match{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in Input
			if err := json.Unmarshal([]byte(tt.indicators), &in.Indicators); err != nil {
				t.Fatal(err)
			}
			in.List, in.Subdomains = blocklist, tt.subdomains
			got := MatchList(in)
			if !slices.Equal(got.Matches, tt.want) {
				t.Errorf("matches = %v, want %v", got.Matches, tt.want)
			}
			if got.Count != len(tt.want) {
				t.Errorf("count = %d, want %d", got.Count, len(tt.want))
			}
			if got.Matched != (len(tt.want) > 0) {
				t.Errorf("matched = %v, want %v", got.Matched, len(tt.want) > 0)
			}
		})
	}
}

func TestIndicator_UnmarshalRejectsNumber(t *testing.T) {
	var ind Indicator
	if err := json.Unmarshal([]byte(`42`), &ind); err == nil {
		t.Errorf("Unmarshal(42) = %+v, want error", ind)
	}
}

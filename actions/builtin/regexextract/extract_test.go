package regexextract

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func str(s string) *string { return &s }

func TestRun(t *testing.T) {
	no := false
	text := "user=jdoe src=203.0.113.9 user=asmith src=198.51.100.7 user=root"
	tests := []struct {
		name string
		in   Input
		want Output
	}{
		{
			name: "all with named groups",
			in:   Input{Pattern: `user=(?P<user>\w+) src=(?P<ip>[\d.]+)`, Text: text},
			want: Output{Matched: true, Count: 2, Matches: []Match{
				{Value: "user=jdoe src=203.0.113.9", Start: 0, End: 25,
					Groups: []*string{str("jdoe"), str("203.0.113.9")},
					Named:  map[string]string{"user": "jdoe", "ip": "203.0.113.9"}},
				{Value: "user=asmith src=198.51.100.7", Start: 26, End: 54,
					Groups: []*string{str("asmith"), str("198.51.100.7")},
					Named:  map[string]string{"user": "asmith", "ip": "198.51.100.7"}},
			}},
		},
		{
			name: "first only",
			in:   Input{Pattern: `user=(\w+)`, Text: text, All: &no},
			want: Output{Matched: true, Count: 1, Truncated: true, Matches: []Match{
				{Value: "user=jdoe", Start: 0, End: 9, Groups: []*string{str("jdoe")}, Named: map[string]string{}},
			}},
		},
		{
			name: "optional group absent",
			in:   Input{Pattern: `user=root( src=\S+)?`, Text: text},
			want: Output{Matched: true, Count: 1, Matches: []Match{
				{Value: "user=root", Start: 55, End: 64, Groups: []*string{nil}, Named: map[string]string{}},
			}},
		},
		{
			name: "case-insensitive flag",
			in:   Input{Pattern: `USER=ROOT`, Text: text, Flags: "i"},
			want: Output{Matched: true, Count: 1, Matches: []Match{
				{Value: "user=root", Start: 55, End: 64, Groups: []*string{}, Named: map[string]string{}},
			}},
		},
		{
			name: "max matches",
			in:   Input{Pattern: `user=\w+`, Text: text, MaxMatches: 2},
			want: Output{Matched: true, Count: 2, Truncated: true, Matches: []Match{
				{Value: "user=jdoe", Start: 0, End: 9, Groups: []*string{}, Named: map[string]string{}},
				{Value: "user=asmith", Start: 26, End: 37, Groups: []*string{}, Named: map[string]string{}},
			}},
		},
		{
			name: "no match",
			in:   Input{Pattern: `admin`, Text: text},
			want: Output{Matches: []Match{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(sdk.NewTestContext(nil), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Run =\n%+v\nwant\n%+v", got, tt.want)
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
		{"syntax", Input{Pattern: `(a`}, "invalid_pattern",
			"error parsing regexp: missing closing ): `(a`"},
		{"backreference", Input{Pattern: `(a)\1`}, "invalid_pattern",
			"error parsing regexp: invalid escape sequence: `\\1`"},
		{"too long", Input{Pattern: strings.Repeat("a", 4097)}, "invalid_pattern",
			"pattern is 4097 bytes, more than the maximum of 4096"},
		{"bad flag", Input{Pattern: "a", Flags: "x"}, "invalid_pattern",
			`flags "x" may contain only i, m, s and U`},
		{"max matches", Input{Pattern: "a", MaxMatches: 10001}, "invalid_input",
			"max_matches 10001 is not between 0 and 10000"},
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

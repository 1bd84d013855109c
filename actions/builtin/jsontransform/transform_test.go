package jsontransform

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

const alert = `{
	"rule": {"id": "R-17", "name": "Suspicious PowerShell"},
	"alerts": [
		{"host": {"name": "LAPTOP-7"}, "kibana.alert.severity": "high", "tags": []},
		{"host": {"name": "SRV-2"}}
	],
	"score": 97
}`

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRun(t *testing.T) {
	tests := []struct {
		name        string
		in          Input
		want        string
		wantMissing []string
	}{
		{
			name: "pick paths",
			in: Input{Pick: []string{
				"rule.id", "alerts[1].host.name", `alerts[0]["kibana.alert.severity"]`, "alerts[5].host",
			}},
			want: `{"rule.id": "R-17", "alerts[1].host.name": "SRV-2",
				"alerts[0][\"kibana.alert.severity\"]": "high"}`,
			wantMissing: []string{"alerts[5].host"},
		},
		{
			name: "pick then rename",
			in: Input{
				Pick:   []string{"rule.name", "alerts[0].host.name", "score"},
				Rename: map[string]string{"rule.name": "rule", "alerts[0].host.name": "host", "nothing": "x"},
			},
			want:        `{"rule": "Suspicious PowerShell", "host": "LAPTOP-7", "score": 97}`,
			wantMissing: []string{"nothing"},
		},
		{
			name: "flatten",
			in:   Input{Flatten: true},
			want: `{"rule.id": "R-17", "rule.name": "Suspicious PowerShell",
				"alerts[0].host.name": "LAPTOP-7", "alerts[0][\"kibana.alert.severity\"]": "high",
				"alerts[0].tags": [], "alerts[1].host.name": "SRV-2", "score": 97}`,
		},
		{
			name: "rename top level",
			in:   Input{Rename: map[string]string{"score": "risk"}},
			want: `{"rule": {"id": "R-17", "name": "Suspicious PowerShell"},
				"alerts": [{"host": {"name": "LAPTOP-7"}, "kibana.alert.severity": "high", "tags": []},
				{"host": {"name": "SRV-2"}}], "risk": 97}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Data = decode(t, alert)
			got, err := Run(sdk.NewTestContext(nil), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if want := decode(t, tt.want); !reflect.DeepEqual(got.Result, want) {
				t.Errorf("result =\n%v\nwant\n%v", got.Result, want)
			}
			if tt.wantMissing == nil {
				tt.wantMissing = []string{}
			}
			if !slices.Equal(got.Missing, tt.wantMissing) {
				t.Errorf("missing = %q, want %q", got.Missing, tt.wantMissing)
			}
		})
	}
}

func TestRun_FlattenedKeysAreValidPaths(t *testing.T) {
	data := decode(t, alert)
	out, err := Run(sdk.NewTestContext(nil), Input{Data: data, Flatten: true})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range out.Result.(map[string]any) {
		got, ok, err := lookup(data, path)
		if err != nil || !ok {
			t.Errorf("lookup(%q) = %v, %v", path, ok, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lookup(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestRun_Invalid(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		wantMsg string
	}{
		{"bad index", Input{Data: map[string]any{}, Pick: []string{"a[x]"}},
			`pick: invalid path "a[x]": index "x" is not a whole number; quote a key: ["key"]`},
		{"unclosed quote", Input{Data: map[string]any{}, Pick: []string{`a["b]`}},
			`pick: invalid path "a[\"b]": unclosed quoted key at "[\"b]"`},
		{"empty path", Input{Data: map[string]any{}, Pick: []string{""}},
			`pick: invalid path "": empty`},
		{"rename of a list", Input{Data: []any{1}, Rename: map[string]string{"a": "b"}},
			"rename: the result is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), tt.in)
			var serr *sdk.Error
			if !errors.As(err, &serr) {
				t.Fatalf("error = %v, want *sdk.Error", err)
			}
			if serr.Code != sdk.CodeInvalidInput {
				t.Errorf("code = %q, want invalid_input", serr.Code)
			}
			if serr.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", serr.Message, tt.wantMsg)
			}
		})
	}
}

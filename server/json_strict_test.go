package server

import (
	"strings"
	"testing"
)

func TestCompactStrict(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	cases := []struct {
		name    string
		in      string
		want    string // compacted output, when wantErr is empty
		wantErr string
	}{
		{"keeps key order", `{ "b": 1, "a": [true, null, "x"] }`, `{"b":1,"a":[true,null,"x"]}`, ""},
		{"drops byte-order mark", "\xEF\xBB\xBF{\"a\": 1}", `{"a":1}`, ""},
		{"replaces lone surrogate", `{"s": "a\ud800b"}`, `{"s":"a` + "\uFFFD" + `b"}`, ""},
		{"keeps surrogate pair", `{"s": "\ud83d\ude00"}`, `{"s":"` + "\U0001F600" + `"}`, ""},
		{"escapes html as json.Marshal", `{"s": "<b>"}`, `{"s":"\u003cb\u003e"}`, ""},
		{"duplicate key", `{"n": 3, "n": 99}`, "", `duplicate key "n"; send each key once`},
		{"duplicate key by escape", `{"n": 3, "\u006e": 99}`, "", `duplicate key "n"`},
		{"nested duplicate key", `{"a": [{"b": 1, "b": 2}]}`, "", `a[0]: duplicate key "b"`},
		{"number out of range", `{"n": 1e400}`, "", "n: number 1e400 is out of range"},
		{"nested too deep", deep, "", "nested deeper than 1000 levels"},
		{"syntax error", `{"a": }`, "", "invalid character '}' looking for beginning of value at byte 6"},
		{"truncated", `{"a": [1`, "", "unexpected end of JSON input"},
		{"data after value", `{"a": 1} {"b": 2}`, "", "unexpected data after the JSON value at byte 9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := compactStrict([]byte(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v, want %s", err, tc.want)
				}
				if string(got) != tc.want {
					t.Errorf("got %s, want %s", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %s, want an error containing %q", got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long, want at most 300", len(err.Error()))
			}
		})
	}
}

package designer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// evalExpr compiles src as one whole-field expression and evaluates it.
func evalExpr(t *testing.T, src string, env *Env) (any, error) {
	t.Helper()
	return evalValue(t, "${{ "+src+" }}", env)
}

func TestExprFunctions(t *testing.T) {
	env := phishingEnv(t)
	env.Trigger = map[string]any{
		"subject": "  Urgent: Verify Your Account  ",
		"from":    "billing@paypa1-secure.example",
		"body":    "Visit http://paypa1-secure.example/login or http://203.0.113.9/x today",
		"alerts": []any{map[string]any{
			"kibana.alert.severity": "high",
			"host":                  map[string]any{"name": "LAPTOP-7"},
			"source":                map[string]any{"ip": "10.20.30.40"},
		}},
		"tags":     []any{"a", "b", "a", map[string]any{"k": 1.0}, map[string]any{"k": 1.0}},
		"nested":   []any{[]any{"x", []any{"y"}}, "z"},
		"reported": "2026-12-03T08:47:30+09:00",
		"raw":      `{"verdict": "malicious", "score": 97}`,
		"b64":      "aGVsbG8g\r\nd29ybGQ=",
	}

	tests := []struct {
		name string
		src  string
		want any
	}{
		{"lower", `lower(trigger.from)`, "billing@paypa1-secure.example"},
		{"upper", `upper("abc")`, "ABC"},
		{"trim", `trim(trigger.subject)`, "Urgent: Verify Your Account"},
		{"split", `split("a,b", ",")`, []string{"a", "b"}},
		{"replace", `replace("hxxp://x", "hxxp", "http")`, "http://x"},
		{"hasPrefix", `hasPrefix(trigger.from, "billing@")`, true},
		{"hasSuffix", `hasSuffix(trigger.from, ".example")`, true},
		{"len of string", `len("abcd")`, 4},
		{"len of list", `len(trigger.tags)`, 5},
		{"matches operator", `trigger.from matches "@paypa1-"`, true},
		{"matches operator false", `trigger.from matches "^admin@"`, false},
		{"not matches", `not (trigger.from matches "^admin@")`, true},
		{"matches dynamic pattern", `trigger.from matches ("@" + "paypa1")`, true},
		{"regexExtract group", `regexExtract(trigger.from, "@([a-z0-9.-]+)$")`, "paypa1-secure.example"},
		{"regexExtract whole match", `regexExtract(trigger.body, "\\d+\\.\\d+\\.\\d+\\.\\d+")`, "203.0.113.9"},
		{"regexExtract no match", `regexExtract(trigger.body, "ftp://")`, nil},
		{"regexFindAll", `regexFindAll(trigger.body, "https?://[^/ ]+")`,
			[]any{"http://paypa1-secure.example", "http://203.0.113.9"}},
		{"regexFindAll group", `regexFindAll(trigger.body, "https?://([^/ ]+)")`,
			[]any{"paypa1-secure.example", "203.0.113.9"}},
		{"regexFindAll none", `regexFindAll(trigger.body, "ftp://")`, []any{}},
		{"get path", `get(trigger, "alerts[0].host.name")`, "LAPTOP-7"},
		{"get quoted key", `get(trigger, "alerts[0][\"kibana.alert.severity\"]")`, "high"},
		{"get single-quoted key", `get(trigger, "alerts[-1]['kibana.alert.severity']")`, "high"},
		{"get dotted key", `get(trigger.alerts[0], "kibana.alert.severity")`, "high"},
		{"get missing", `get(trigger, "alerts[0].user.name")`, nil},
		{"get missing with default", `get(trigger, "alerts[3].host.name", "unknown")`, "unknown"},
		{"get through a string", `get(trigger, "from.domain", "none")`, "none"},
		{"get index", `get(trigger.tags, 1)`, "b"},
		{"get missing base", `get(trigger.sender, "name", "n/a")`, "n/a"},
		{"fromJSON", `fromJSON(trigger.raw).verdict`, "malicious"},
		{"toJSON compact and sorted", `toJSON({"b": 1, "a": [true]})`, `{"a":[true],"b":1}`},
		{"parseTime RFC 3339 offset", `formatTime(parseTime(trigger.reported), "rfc3339")`, "2026-12-02T23:47:30Z"},
		{"parseTime Elastic", `formatTime(parseTime("2026-12-03T10:02:45.118Z"), "unix_ms")`, "1796292165118"},
		{"parseTime no zone", `formatTime(parseTime("2026-12-03 10:02:45"), "rfc3339")`, "2026-12-03T10:02:45Z"},
		{"parseTime email date", `formatTime(parseTime("Thu, 3 Dec 2026 08:47:30 +0900"), "rfc3339")`,
			"2026-12-02T23:47:30Z"},
		{"parseTime access log", `formatTime(parseTime("03/Dec/2026:10:02:45 +0000"), "datetime")`,
			"2026-12-03 10:02:45"},
		{"parseTime CEF", `formatTime(parseTime("Dec 03 2026 10:02:45"), "rfc3339")`, "2026-12-03T10:02:45Z"},
		{"parseTime epoch seconds", `formatTime(parseTime(1796292165), "rfc3339")`, "2026-12-03T10:02:45Z"},
		{"parseTime epoch millis string", `formatTime(parseTime("1796292165118"), "rfc3339nano")`,
			"2026-12-03T10:02:45.118Z"},
		{"formatTime Go layout", `formatTime("2026-12-03T10:02:45Z", "Jan 2, 15:04")`, "Dec 3, 10:02"},
		{"formatTime date", `formatTime("2026-12-03T10:02:45Z", "date")`, "2026-12-03"},
		{"addDuration", `formatTime(addDuration("2026-12-03T10:00:00Z", "90m"), "rfc3339")`, "2026-12-03T11:30:00Z"},
		{"addDuration days", `formatTime(addDuration("2026-12-03T10:00:00Z", "-7d"), "date")`, "2026-11-26"},
		{"addDuration duration value", `formatTime(addDuration("2026-12-03T10:00:00Z", duration("1h")), "rfc3339")`,
			"2026-12-03T11:00:00Z"},
		{"since past", `since("2020-01-01T00:00:00Z") > duration("24h")`, true},
		{"since future", `since(addDuration(now(), "1h")) < duration("0s")`, true},
		{"date one argument", `formatTime(date("2026-12-03T10:00:00+01:00"), "rfc3339")`, "2026-12-03T09:00:00Z"},
		{"date layout", `formatTime(date("03.12.2026", "02.01.2006"), "rfc3339")`, "2026-12-03T00:00:00Z"},
		{"date layout and offset", `formatTime(date("2026-12-03 10:00", "2006-01-02 15:04", "+09:00"), "rfc3339")`,
			"2026-12-03T01:00:00Z"},
		{"timezone offset", `date("2026-12-03T10:00:00Z").In(timezone("-05:00")).Hour()`, 5},
		{"cidrContains", `cidrContains("10.0.0.0/8", trigger.alerts[0].source.ip)`, true},
		{"cidrContains outside", `cidrContains("192.168.0.0/16", "203.0.113.9")`, false},
		{"cidrContains IPv6", `cidrContains("2001:db8::/32", "2001:db8::1")`, true},
		{"cidrContains mapped IPv4", `cidrContains("10.0.0.0/8", "::ffff:10.1.2.3")`, true},
		{"isPrivateIP RFC 1918", `isPrivateIP("172.16.5.4")`, true},
		{"isPrivateIP public", `isPrivateIP("203.0.113.9")`, false},
		{"isPrivateIP loopback", `isPrivateIP("127.0.0.1")`, true},
		{"isPrivateIP link-local", `isPrivateIP("169.254.169.254")`, true},
		{"isPrivateIP shared", `isPrivateIP("100.64.1.1")`, true},
		{"isPrivateIP ULA", `isPrivateIP("fd00::1")`, true},
		{"unique", `unique(trigger.tags)`, []any{"a", "b", map[string]any{"k": 1.0}}},
		{"uniq builtin", `uniq(["a", "b", "a"])`, []any{"a", "b"}},
		{"flatten", `flatten(trigger.nested)`, []any{"x", "y", "z"}},
		{"default missing", `default(trigger.sender, "unknown")`, "unknown"},
		{"default present", `default(trigger.from, "unknown")`, "billing@paypa1-secure.example"},
		{"base64Decode MIME lines", `base64Decode(trigger.b64)`, "hello world"},
		{"base64Encode", `base64Encode("hello world")`, "aGVsbG8gd29ybGQ="},
		{"urlEncode", `urlEncode("a b&c")`, "a+b%26c"},
		{"urlDecode", `urlDecode("a+b%26c")`, "a b&c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalExpr(t, tt.src, env)
			if err != nil {
				t.Fatalf("%s: %v", tt.src, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestExprFunctions_NowIsUTC(t *testing.T) {
	got, err := evalExpr(t, `parseTime(now())`, nil)
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := got.(time.Time)
	if !ok {
		t.Fatalf("parseTime(now()) = %#v, want a time.Time", got)
	}
	if tm.Location() != time.UTC {
		t.Errorf("zone = %v, want UTC", tm.Location())
	}
}

// TestExprFunctions_RuntimeErrors checks that a function that fails shows
// the expression and the value it could not use.
func TestExprFunctions_RuntimeErrors(t *testing.T) {
	env := &Env{Trigger: map[string]any{"when": "yesterday", "ip": "10.0.0.300", "n": 42.0}}
	tests := []struct {
		src  string
		want string
	}{
		{`parseTime(trigger.when)`, `parseTime: cannot read "yesterday" as a time`},
		{`formatTime(trigger.n > 1, "date")`, `formatTime: expected a time, a string or a number, got boolean true`},
		{`addDuration("2026-12-03T10:00:00Z", "5 minutes")`, `addDuration: invalid duration "5 minutes"`},
		{`isPrivateIP(trigger.ip)`, `isPrivateIP: invalid IP address "10.0.0.300"`},
		{`cidrContains("10.0.0.0", "10.0.0.1")`, `cidrContains: invalid CIDR "10.0.0.0"`},
		{`regexExtract(trigger.n, "4")`, `regexExtract: argument 1 must be a string, got number 42`},
		{`trigger.when matches ("(" + "x")`, "matches: invalid regular expression \"(x\""},
		{`unique(trigger.when)`, `unique: argument must be a list, got string "yesterday"`},
		{`base64Decode("%%%")`, `base64Decode: invalid base64 "%%%"`},
		{`get(trigger, "a[b]")`, `get: invalid path "a[b]": index "b" is not a whole number`},
		{`timezone("Europe/Berlin")`, `timezone: zone "Europe/Berlin" is not supported; write "UTC" or an offset`},
		{`date("2026", "2006", "America/New_York")`, `date: zone "America/New_York" is not supported`},
		{`date(trigger.when, "2006-01-02")`, `date: cannot read "yesterday" with layout "2006-01-02"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := evalExpr(t, tt.src, env)
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is not an *ExprError", err)
			}
			if ee.Source != tt.src {
				t.Errorf("Source = %q, want %q", ee.Source, tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExprFunctions_CompileErrors(t *testing.T) {
	long := strings.Repeat("a", maxPatternLength+1)
	tests := []struct {
		src  string
		want string
	}{
		{`trigger.from matches "(unclosed"`, "invalid regular expression \"(unclosed\""},
		{`regexExtract(trigger.body, "[a-")`, "invalid regular expression \"[a-\""},
		{`regexFindAll(trigger.body, "` + long + `")`, "regular expression has 1001 characters; the maximum is 1000"},
		{`get(trigger)`, "not enough arguments"},
		{`cidrContains("10.0.0.0/8")`, "not enough arguments"},
		{`now().Local()`, "method Local is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := CompileValue("${{ " + tt.src + " }}")
			if err == nil {
				t.Fatalf("CompileValue(%s) succeeded, want an error", tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExprFunctions_RegexCompiledOnce(t *testing.T) {
	const pattern = `^compiled-once-\d+$`
	first, err := compileRegexp(pattern)
	if err != nil {
		t.Fatal(err)
	}
	second, err := compileRegexp(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("compileRegexp compiled the same pattern twice, want the cached *Regexp")
	}
}

func TestValue_EvalLoopLocals(t *testing.T) {
	env := &Env{Item: map[string]any{"ip": "10.1.2.3"}, Index: 2, InLoop: true}
	tests := []struct {
		in   any
		want any
	}{
		{"${{ item.ip }}", "10.1.2.3"},
		{"${{ index + 1 }}", 3},
		{"#${{ index }} ${{ item.ip }}", "#2 10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.in.(string), func(t *testing.T) {
			got, err := evalValue(t, tt.in, env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestValue_EvalItemOutsideLoop(t *testing.T) {
	_, err := evalValue(t, "${{ trigger.x + item }}", &Env{Trigger: map[string]any{"x": 1.0}})
	if !errors.Is(err, errNotInLoop) {
		t.Fatalf("error = %v, want errNotInLoop", err)
	}
	want := `expression "trigger.x + item" at column 13: item is set only inside a loop body`
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestValue_EvalInterpolatesTimes(t *testing.T) {
	got, err := evalValue(t, `seen ${{ parseTime("2026-12-03T10:00:00+01:00") }} for ${{ duration("90m") }}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "seen 2026-12-03T09:00:00Z for 1h30m0s"; got != want {
		t.Errorf("Eval = %q, want %q", got, want)
	}
}

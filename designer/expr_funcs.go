package designer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"

	"github.com/expr-lang/expr"
)

// Names of the functions Updraft adds to expr-lang. Each reports a value
// of the wrong type as an error that shows the value.
const (
	fnDefault      = "default"
	fnPathGet      = "get"
	fnRegexMatch   = "$matches" // the matches operator, rewritten by the access patcher
	fnRegexExtract = "regexExtract"
	fnRegexFindAll = "regexFindAll"
)

// exprOptions are the compile options every playbook expression uses. No
// function reads files, environment variables or the network: date and
// timezone replace expr-lang's, which load zones from the system.
func exprOptions() []expr.Option {
	opts := []expr.Option{
		expr.Env(scope{}),
		expr.Timezone("UTC"), // now() and date() do not depend on the server's zone
		expr.Function(fnGet, getMember, new(func(any, any, int, string, string) any)),
		expr.Function(fnChain, endChain, new(func(any) any)),
	}
	for _, f := range analystFunctions {
		opts = append(opts, expr.Function(f.name, f.fn, f.types...))
	}
	return opts
}

// exprFunction is one function analysts call, with its expr-lang
// signatures, which fix the number of arguments the compiler accepts.
type exprFunction struct {
	name  string
	fn    func(args ...any) (any, error)
	types []any
}

var analystFunctions = []exprFunction{
	{fnDefault, defaultValue, []any{new(func(any, any) any)}},
	{fnPathGet, pathGet, []any{new(func(any, any) any), new(func(any, any, any) any)}},
	{"toJSON", toJSON, []any{new(func(any) string)}},
	{"unique", unique, []any{new(func(any) []any)}},
	{"base64Encode", base64Encode, []any{new(func(any) string)}},
	{"base64Decode", base64Decode, []any{new(func(any) string)}},
	{"urlEncode", urlEncode, []any{new(func(any) string)}},
	{"urlDecode", urlDecode, []any{new(func(any) string)}},
	{fnRegexMatch, regexMatch, []any{new(func(any, any) bool)}},
	{fnRegexExtract, regexExtract, []any{new(func(any, any) any)}},
	{fnRegexFindAll, regexFindAll, []any{new(func(any, any) []any)}},
	{"parseTime", parseTime, []any{new(func(any) any)}},
	{"formatTime", formatTime, []any{new(func(any, any) string)}},
	{"addDuration", addDuration, []any{new(func(any, any) any)}},
	{"since", since, []any{new(func(any) any)}},
	{"date", dateFunc, []any{new(func(any) any), new(func(any, any) any), new(func(any, any, any) any)}},
	{"timezone", timezoneFunc, []any{new(func(any) any)}},
	{"cidrContains", cidrContains, []any{new(func(any, any) bool)}},
	{"isPrivateIP", isPrivateIP, []any{new(func(any) bool)}},
}

// defaultValue implements default(value, fallback).
func defaultValue(args ...any) (any, error) {
	if args[0] == nil {
		return args[1], nil
	}
	return args[0], nil
}

// argString returns args[i] as a string, or an error that names the
// function and shows the value.
func argString(fn string, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("%s: argument %d must be a string, got %s %s",
			fn, i+1, typeName(args[i]), preview(args[i]))
	}
	return s, nil
}

// toJSON implements toJSON(value): compact JSON with object keys sorted,
// so the text fits in a URL, a query or a log line.
func toJSON(args ...any) (any, error) {
	data, err := json.Marshal(args[0])
	if err != nil {
		return nil, fmt.Errorf("toJSON: %w", err)
	}
	return string(data), nil
}

// unique implements unique(list): the list without repeated items, in the
// order of their first appearance. Items are compared by their JSON form,
// so equal objects and lists count as repeats too.
func unique(args ...any) (any, error) {
	v := reflect.ValueOf(args[0])
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return nil, fmt.Errorf("unique: argument must be a list, got %s %s",
			typeName(args[0]), preview(args[0]))
	}
	seen := make(map[string]bool, v.Len())
	out := make([]any, 0, v.Len())
	for i := range v.Len() {
		item := v.Index(i).Interface()
		key, err := json.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("unique: item %d: %w", i, err)
		}
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, item)
		}
	}
	return out, nil
}

func base64Encode(args ...any) (any, error) {
	s, err := argString("base64Encode", args, 0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// base64Decode accepts standard and URL-safe base64, padded or not, and
// ignores line breaks, as in MIME bodies.
func base64Decode(args ...any) (any, error) {
	s, err := argString("base64Decode", args, 0)
	if err != nil {
		return nil, err
	}
	cleaned := stripLineBreaks(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding} {
		if data, err := enc.DecodeString(cleaned); err == nil {
			return string(data), nil
		}
	}
	return nil, fmt.Errorf("base64Decode: invalid base64 %s", preview(s))
}

func stripLineBreaks(s string) string {
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] != '\r' && s[i] != '\n' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// urlEncode escapes a string for a URL query value.
func urlEncode(args ...any) (any, error) {
	s, err := argString("urlEncode", args, 0)
	if err != nil {
		return nil, err
	}
	return url.QueryEscape(s), nil
}

func urlDecode(args ...any) (any, error) {
	s, err := argString("urlDecode", args, 0)
	if err != nil {
		return nil, err
	}
	out, err := url.QueryUnescape(s)
	if err != nil {
		return nil, fmt.Errorf("urlDecode: invalid escape in %s", preview(s))
	}
	return out, nil
}

package jsontransform

import (
	"fmt"
	"strconv"
	"strings"
)

// parsePath splits a path such as `alerts[0].host.name` or
// `alerts[0]["kibana.alert.severity"]` into object keys (strings) and
// array indexes (ints). The syntax is that of get() in playbook
// expressions: names separated by dots, whole-number indexes in brackets,
// and keys quoted in brackets with double or single quotes.
func parsePath(path string) ([]any, error) {
	var keys []any
	rest := path
	for rest != "" {
		var key any
		var err error
		switch {
		case rest[0] == '[':
			key, rest, err = parseBracket(rest)
		case rest[0] == '.' && len(keys) > 0:
			key, rest, err = parseName(rest[1:])
		default:
			key, rest, err = parseName(rest)
		}
		if err != nil {
			return nil, fmt.Errorf("invalid path %q: %w", path, err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("invalid path %q: empty", path)
	}
	return keys, nil
}

func parseName(s string) (any, string, error) {
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return nil, "", fmt.Errorf("empty key at %q", s)
	}
	return s[:end], s[end:], nil
}

func parseBracket(s string) (any, string, error) {
	switch {
	case strings.HasPrefix(s, `["`):
		quoted, err := strconv.QuotedPrefix(s[1:])
		if err != nil || !strings.HasPrefix(s[1+len(quoted):], "]") {
			return nil, "", fmt.Errorf("unclosed quoted key at %q", s)
		}
		key, _ := strconv.Unquote(quoted)
		return key, s[len(quoted)+2:], nil
	case strings.HasPrefix(s, "['"):
		end := strings.Index(s[2:], "']")
		if end < 0 {
			return nil, "", fmt.Errorf("unclosed quoted key at %q", s)
		}
		return s[2 : 2+end], s[2+end+2:], nil
	}

	end := strings.IndexByte(s, ']')
	if end < 0 {
		return nil, "", fmt.Errorf("unclosed bracket at %q", s)
	}
	index, err := strconv.Atoi(strings.TrimSpace(s[1:end]))
	if err != nil || index < 0 {
		return nil, "", fmt.Errorf("index %q is not a whole number; quote a key: [\"key\"]", s[1:end])
	}
	return index, s[end+1:], nil
}

// lookup returns the value at path in v. A path that is itself a key of
// the object v, such as "kibana.alert.severity", is read as that key
// first.
func lookup(v any, path string) (any, bool, error) {
	if obj, ok := v.(map[string]any); ok {
		if value, ok := obj[path]; ok {
			return value, true, nil
		}
	}
	keys, err := parsePath(path)
	if err != nil {
		return nil, false, err
	}
	for _, key := range keys {
		var ok bool
		if v, ok = step(v, key); !ok {
			return nil, false, nil
		}
	}
	return v, true, nil
}

func step(v any, key any) (any, bool) {
	switch k := key.(type) {
	case string:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		value, ok := obj[k]
		return value, ok
	case int:
		list, ok := v.([]any)
		if !ok || k >= len(list) {
			return nil, false
		}
		return list[k], true
	}
	return nil, false
}

// appendKey writes key after prefix in path syntax: `.name` for a plain
// name and `["a.b"]` for a key that holds a dot, a bracket, a quote or
// nothing.
func appendKey(prefix, key string) string {
	if key == "" || strings.ContainsAny(key, `.[]"'`) {
		return prefix + "[" + strconv.Quote(key) + "]"
	}
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

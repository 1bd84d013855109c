package designer

import (
	"fmt"
	"strconv"
	"strings"
)

// pathGet implements get(value, path) and get(value, path, default): the
// value at path, or default (null when not given) when any part of the
// path is missing. path is a key, a list index, or a string of keys and
// indexes such as `alerts[0].host.name` or `["kibana.alert.severity"]`.
// A string that is a key of value is read as that key first. Only a path
// that cannot be read is an error.
func pathGet(args ...any) (any, error) {
	var fallback any
	if len(args) == 3 {
		fallback = args[2]
	}

	// A key that contains dots, such as "kibana.alert.severity", is read
	// as one key before the path is split.
	if key, ok := args[1].(string); ok {
		if v, err := lookup(args[0], key, ""); err == nil && v != nil {
			return v, nil
		}
	}
	keys, err := pathKeys(args[1])
	if err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	cur := args[0]
	for _, key := range keys {
		if _, ok := cur.(skipped); ok {
			return fallback, nil
		}
		next, err := lookup(cur, key, "")
		if err != nil {
			return fallback, nil
		}
		cur = next
	}
	if _, ok := cur.(skipped); ok || cur == nil {
		return fallback, nil
	}
	return cur, nil
}

// pathKeys splits a get path into map keys (strings) and list indexes
// (ints). A number is one index.
func pathKeys(path any) ([]any, error) {
	switch p := path.(type) {
	case int:
		return []any{p}, nil
	case float64:
		return []any{p}, nil
	case string:
		return parsePath(p)
	}
	return nil, fmt.Errorf("path must be a string or a number, got %s %s", typeName(path), preview(path))
}

// parsePath reads `a.b[0]["c.d"]`: names separated by dots, integer
// indexes and quoted keys in brackets.
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
			rest = rest[1:]
			key, rest, err = parseName(rest)
		default:
			key, rest, err = parseName(rest)
		}
		if err != nil {
			return nil, fmt.Errorf("invalid path %q: %w", path, err)
		}
		keys = append(keys, key)
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
	if err != nil {
		return nil, "", fmt.Errorf("index %q is not a whole number; quote a key: [\"key\"]", s[1:end])
	}
	return index, s[end+1:], nil
}

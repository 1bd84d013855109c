package designer

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// PathError is a member access that found no value: a missing key, an
// index out of range, or a null or scalar where an object or list was
// expected. Path is the access as written, such as trigger.sender.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string { return e.Path + ": " + e.Reason }

// skipped is what an optional access yields when its value is missing. It
// passes through the rest of the chain and $chain turns it into nil.
type skipped struct{}

// maxListedKeys bounds the keys a missing-key error lists.
const maxListedKeys = 20

// getMember implements $get(base, key, mode, path, basePath).
func getMember(args ...any) (any, error) {
	base, key := args[0], args[1]
	optional := args[2] == accessOptional
	path, basePath := args[3].(string), args[4].(string)
	if _, ok := base.(skipped); ok {
		return base, nil
	}

	v, err := lookup(base, key, basePath)
	if err == nil {
		return v, nil
	}
	if optional {
		return skipped{}, nil
	}
	return nil, &PathError{Path: path, Reason: err.Error()}
}

// endChain implements $chain(v).
func endChain(args ...any) (any, error) {
	if _, ok := args[0].(skipped); ok {
		return nil, nil
	}
	return args[0], nil
}

// lookup returns base[key], or an error that gives the reason it has none.
func lookup(base, key any, basePath string) (any, error) {
	if raw, ok := base.(json.RawMessage); ok {
		decoded, err := decodeRaw(raw)
		if err != nil {
			return nil, err
		}
		base = decoded
	}

	switch b := base.(type) {
	case nil:
		return nil, fmt.Errorf("%s is null", basePath)
	case map[string]any:
		return lookupKey(b, key)
	case []any:
		return lookupIndex(b, key)
	case map[string]StepState:
		return lookupKey(b, key)
	case StepState:
		return lookupKey(b.fields(), key)
	case string, bool, float64, int:
		return nil, fmt.Errorf("%s is a %s, not an object or a list", basePath, typeName(b))
	}
	return lookupReflect(base, key, basePath)
}

func (s StepState) fields() map[string]any {
	return map[string]any{"output": s.Output, "status": s.Status, "error": s.Error}
}

func lookupKey[V any](m map[string]V, key any) (any, error) {
	k, ok := key.(string)
	if !ok {
		return nil, fmt.Errorf("key must be a string, not %s %v", typeName(key), key)
	}
	v, ok := m[k]
	if !ok {
		return nil, fmt.Errorf("no key %q; %s", k, describeKeys(m))
	}
	return v, nil
}

func lookupIndex(list []any, key any) (any, error) {
	i, err := toIndex(key, len(list))
	if err != nil {
		return nil, err
	}
	return list[i], nil
}

// toIndex converts key to a position in a list of length n. A negative
// index counts from the end.
func toIndex(key any, n int) (int, error) {
	var i int
	switch k := key.(type) {
	case int:
		i = k
	case float64:
		if k != math.Trunc(k) {
			return 0, fmt.Errorf("index must be a whole number, not %v", k)
		}
		i = int(k)
	default:
		return 0, fmt.Errorf("index must be a number, not %s %v", typeName(key), key)
	}
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return 0, fmt.Errorf("index %v out of range; the list has %d items", key, n)
	}
	return i, nil
}

// lookupReflect reads maps with string keys and slices of other Go types.
func lookupReflect(base, key any, basePath string) (any, error) {
	v := reflect.ValueOf(base)
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		m := make(map[string]any, v.Len())
		for iter := v.MapRange(); iter.Next(); {
			m[iter.Key().String()] = iter.Value().Interface()
		}
		return lookupKey(m, key)
	case reflect.Slice, reflect.Array:
		i, err := toIndex(key, v.Len())
		if err != nil {
			return nil, err
		}
		return v.Index(i).Interface(), nil
	}
	return nil, fmt.Errorf("%s is a %s, not an object or a list", basePath, typeName(base))
}

// describeKeys lists the keys of m for a missing-key error.
func describeKeys[V any](m map[string]V) string {
	if len(m) == 0 {
		return "the object is empty"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b strings.Builder
	b.WriteString("keys are ")
	for i, k := range keys {
		if i == maxListedKeys {
			b.WriteString(", and " + strconv.Itoa(len(keys)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
	}
	return b.String()
}

// typeName names the JSON type of v for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, float32, int, int64, int32, uint, uint64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// maxPreview bounds the length of a value shown in an error.
const maxPreview = 80

// preview renders v as short JSON for an error message.
func preview(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(data)
	if len(s) > maxPreview {
		s = s[:maxPreview] + "…"
	}
	return s
}

package designer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fieldError is a JSON document that does not fit its Go type. Path is
// the JSON path of the offending value, such as nodes[2].retry.attempts.
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	timeType       = reflect.TypeFor[time.Time]()
)

// decodeStrict decodes data into dst, rejecting syntax errors, duplicate
// keys, unknown fields, values of the wrong JSON type and trailing data.
// Paths in errors start with prefix.
func decodeStrict(data []byte, dst any, prefix string) error {
	generic, err := parseJSON(data, prefix)
	if err != nil {
		return err
	}
	if err := checkShape(generic, reflect.TypeOf(dst).Elem(), prefix); err != nil {
		return err
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return &fieldError{path: prefix, msg: err.Error()}
	}
	return nil
}

// parseJSON decodes data into maps, slices and json.Number values and
// rejects duplicate object keys and data after the first value.
func parseJSON(data []byte, prefix string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := &jsonReader{dec: dec, root: prefix}
	v, err := r.readValue()
	if err != nil {
		return nil, describeSyntax(err, prefix)
	}
	end := int(dec.InputOffset())
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		extra := end + len(data[end:]) - len(bytes.TrimLeft(data[end:], " \t\r\n"))
		msg := fmt.Sprintf("invalid JSON: data after the end of the value at byte %d", extra)
		return nil, &fieldError{path: prefix, msg: msg}
	}
	return v, nil
}

func describeSyntax(err error, path string) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return err
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &fieldError{path: path, msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &fieldError{path: path, msg: "invalid JSON: unexpected end of input"}
	}
	return &fieldError{path: path, msg: "invalid JSON: " + err.Error()}
}

// maxJSONDepth bounds the nesting of objects and lists, as encoding/json
// does with the same number, so that deep input cannot exhaust the stack.
const maxJSONDepth = 10000

// jsonReader reads one JSON value token by token. Path holds the keys and
// indexes leading to the current value and becomes a string only in an
// error, so deep input costs no quadratic path building.
type jsonReader struct {
	dec  *json.Decoder
	root string
	path []any // string keys and int indexes
}

func (r *jsonReader) errorf(format string, args ...any) error {
	var b strings.Builder
	b.WriteString(r.root)
	for _, p := range r.path {
		if i, ok := p.(int); ok {
			b.WriteString("[" + strconv.Itoa(i) + "]")
			continue
		}
		key := p.(string)
		switch {
		case !identifierPattern.MatchString(key):
			b.WriteString("[" + strconv.Quote(key) + "]")
		case b.Len() > 0:
			b.WriteString("." + key)
		default:
			b.WriteString(key)
		}
	}
	return &fieldError{path: b.String(), msg: fmt.Sprintf(format, args...)}
}

func (r *jsonReader) readValue() (any, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return tok, nil
	}
	if len(r.path) >= maxJSONDepth {
		return nil, r.errorf("invalid JSON: nested deeper than %d levels", maxJSONDepth)
	}
	if tok == json.Delim('{') {
		return r.readObject()
	}
	return r.readArray()
}

func (r *jsonReader) readObject() (any, error) {
	obj := make(map[string]any)
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		r.path = append(r.path, key)
		if _, dup := obj[key]; dup {
			return nil, r.errorf("duplicate key; keep one")
		}
		v, err := r.readValue()
		if err != nil {
			return nil, err
		}
		r.path = r.path[:len(r.path)-1]
		obj[key] = v
	}
	_, err := r.dec.Token()
	return obj, err
}

func (r *jsonReader) readArray() (any, error) {
	list := []any{}
	for r.dec.More() {
		r.path = append(r.path, len(list))
		v, err := r.readValue()
		if err != nil {
			return nil, err
		}
		r.path = r.path[:len(r.path)-1]
		list = append(list, v)
	}
	_, err := r.dec.Token()
	return list, err
}

// checkShape checks that v, as returned by parseJSON, decodes into t
// without unknown fields or type mismatches.
func checkShape(v any, t reflect.Type, path string) error {
	if v == nil {
		return nil // null leaves the Go value at its zero value
	}
	switch {
	case t == rawMessageType, t.Kind() == reflect.Interface:
		return nil
	case t == timeType:
		return expectKind[string](v, "a timestamp string", path)
	}

	switch t.Kind() {
	case reflect.Pointer:
		return checkShape(v, t.Elem(), path)
	case reflect.Struct:
		return checkStruct(v, t, path)
	case reflect.Map:
		return checkMap(v, t, path)
	case reflect.Slice:
		return checkSlice(v, t, path)
	case reflect.String:
		return expectKind[string](v, "a string", path)
	case reflect.Bool:
		return expectKind[bool](v, "true or false", path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return checkInteger(v, path)
	case reflect.Float32, reflect.Float64:
		return expectKind[json.Number](v, "a number", path)
	}
	return nil
}

func expectKind[T any](v any, want, path string) error {
	if _, ok := v.(T); ok {
		return nil
	}
	return &fieldError{path: path, msg: fmt.Sprintf("expected %s, got %s", want, jsonKind(v))}
}

func checkInteger(v any, path string) error {
	n, ok := v.(json.Number)
	if !ok {
		return &fieldError{path: path, msg: fmt.Sprintf("expected a whole number, got %s", jsonKind(v))}
	}
	if _, err := n.Int64(); err != nil {
		return &fieldError{path: path, msg: fmt.Sprintf("expected a whole number, got %s", n)}
	}
	return nil
}

func checkStruct(v any, t reflect.Type, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return &fieldError{path: path, msg: fmt.Sprintf("expected an object, got %s", jsonKind(v))}
	}
	fields := jsonFields(t)
	for _, key := range sortedKeys(obj) {
		f, ok := fields[key]
		if !ok {
			return &fieldError{path: joinPath(path, key), msg: unknownFieldMessage(fields)}
		}
		if err := checkShape(obj[key], f.Type, joinPath(path, key)); err != nil {
			return err
		}
	}
	return nil
}

func unknownFieldMessage(fields map[string]reflect.StructField) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return "unknown field; known fields are " + strings.Join(names, ", ")
}

// jsonFields maps the JSON names of t's exported fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField)
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f
	}
	return fields
}

func checkMap(v any, t reflect.Type, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return &fieldError{path: path, msg: fmt.Sprintf("expected an object, got %s", jsonKind(v))}
	}
	for _, key := range sortedKeys(obj) {
		if err := checkShape(obj[key], t.Elem(), joinPath(path, key)); err != nil {
			return err
		}
	}
	return nil
}

func checkSlice(v any, t reflect.Type, path string) error {
	list, ok := v.([]any)
	if !ok {
		return &fieldError{path: path, msg: fmt.Sprintf("expected a list, got %s", jsonKind(v))}
	}
	for i, item := range list {
		if err := checkShape(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonKind names the JSON type of a value returned by parseJSON.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

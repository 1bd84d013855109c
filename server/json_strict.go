package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxJSONDepth bounds the nesting of objects and arrays in a request body.
const maxJSONDepth = 1000

// jsonError is a request body that is not one well-formed JSON value. Path
// is the JSON path of the failing value, such as alert.tags[2], or empty
// for the body as a whole.
type jsonError struct {
	Path    string
	Message string
}

func (e *jsonError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// compactStrict checks that data, after an optional UTF-8 byte-order mark,
// is exactly one JSON value, and returns it compacted with object keys in
// their original order. Strings are escaped as json.Marshal escapes them,
// so the result has the length the runtime measures for a step output. It rejects syntax errors, duplicate object keys,
// nesting deeper than maxJSONDepth, numbers outside the float64 range and
// data after the value, with a *jsonError. Invalid UTF-8 and unpaired
// UTF-16 surrogate escapes such as "\ud800" inside strings become U+FFFD,
// as encoding/json decodes them.
func compactStrict(data []byte) (json.RawMessage, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := &strictReader{dec: dec}
	r.enc = json.NewEncoder(&r.scratch)

	if err := r.value(0); err != nil {
		return nil, r.describe(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		offset := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n")))
		return nil, &jsonError{Message: fmt.Sprintf("unexpected data after the JSON value at byte %d", offset)}
	}
	return r.out.Bytes(), nil
}

// strictReader copies one JSON value token by token. Path holds the keys
// and indexes that lead to the current value.
type strictReader struct {
	dec     *json.Decoder
	out     bytes.Buffer
	scratch bytes.Buffer
	enc     *json.Encoder
	path    []any // string keys and int indexes
}

func (r *strictReader) value(depth int) error {
	tok, err := r.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxJSONDepth {
			return r.errorf("nested deeper than %d levels", maxJSONDepth)
		}
		if t == '{' {
			return r.object(depth + 1)
		}
		return r.array(depth + 1)
	case string:
		return r.writeString(t)
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); err != nil {
			return r.errorf("number %s is out of range", shorten(string(t), 40))
		}
		r.out.WriteString(string(t))
	case bool:
		r.out.WriteString(strconv.FormatBool(t))
	case nil:
		r.out.WriteString("null")
	}
	return nil
}

func (r *strictReader) object(depth int) error {
	r.out.WriteByte('{')
	seen := make(map[string]struct{})
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if _, dup := seen[key]; dup {
			return r.errorf("duplicate key %q; send each key once", shorten(key, 60))
		}
		seen[key] = struct{}{}
		if len(seen) > 1 {
			r.out.WriteByte(',')
		}
		if err := r.writeString(key); err != nil {
			return err
		}
		r.out.WriteByte(':')

		r.path = append(r.path, key)
		if err := r.value(depth); err != nil {
			return err
		}
		r.path = r.path[:len(r.path)-1]
	}
	if _, err := r.dec.Token(); err != nil {
		return err
	}
	r.out.WriteByte('}')
	return nil
}

func (r *strictReader) array(depth int) error {
	r.out.WriteByte('[')
	for i := 0; r.dec.More(); i++ {
		if i > 0 {
			r.out.WriteByte(',')
		}
		r.path = append(r.path, i)
		if err := r.value(depth); err != nil {
			return err
		}
		r.path = r.path[:len(r.path)-1]
	}
	if _, err := r.dec.Token(); err != nil {
		return err
	}
	r.out.WriteByte(']')
	return nil
}

// writeString writes s as a JSON string.
func (r *strictReader) writeString(s string) error {
	r.scratch.Reset()
	if err := r.enc.Encode(s); err != nil {
		return err
	}
	r.out.Write(bytes.TrimSuffix(r.scratch.Bytes(), []byte("\n")))
	return nil
}

func (r *strictReader) errorf(format string, args ...any) error {
	return &jsonError{Path: formatJSONPath(r.path), Message: fmt.Sprintf(format, args...)}
}

// describe turns a decoder error into a *jsonError.
func (r *strictReader) describe(err error) error {
	if _, ok := errors.AsType[*jsonError](err); ok {
		return err
	}
	if syntaxErr, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &jsonError{Message: fmt.Sprintf("%v at byte %d", syntaxErr, syntaxErr.Offset)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &jsonError{Message: "unexpected end of JSON input"}
	}
	return &jsonError{Message: err.Error()}
}

// formatJSONPath renders keys and indexes as a.b[2]["odd key"]. A path
// longer than 200 bytes keeps its last part.
func formatJSONPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		if i, ok := p.(int); ok {
			b.WriteString("[" + strconv.Itoa(i) + "]")
			continue
		}
		key := p.(string)
		switch {
		case !isIdentifier(key):
			b.WriteString("[" + strconv.Quote(key) + "]")
		case b.Len() > 0:
			b.WriteString("." + key)
		default:
			b.WriteString(key)
		}
	}
	s := b.String()
	if len(s) > 200 {
		s = "…" + s[len(s)-200:]
	}
	return s
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// shorten cuts s to at most n bytes at a rune boundary, marking the cut
// with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// invalidJSON is the 400 response for a body that compactStrict or a
// decode into a request type rejected. what names the body, such as "run
// inputs".
func invalidJSON(what string, err error) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    codeInvalidJSON,
		Message: what + ": " + err.Error(),
		Cause:   err,
	}
}

// decodeObject strictly decodes a JSON object body into dst, which must
// point to a struct: unknown fields and values of the wrong type are
// rejected with the field's name. An empty body decodes as {}.
func decodeObject(body []byte, dst any, what string) error {
	if len(bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))) == 0 {
		body = []byte("{}")
	}
	compact, err := compactStrict(body)
	if err != nil {
		return invalidJSON(what, err)
	}
	if compact[0] != '{' {
		return invalidJSON(what, &jsonError{Message: "expected a JSON object, got " + jsonKindOf(compact)})
	}
	dec := json.NewDecoder(bytes.NewReader(compact))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return invalidJSON(what, describeDecodeError(err))
	}
	return nil
}

// describeDecodeError names the field of a type mismatch or unknown field.
func describeDecodeError(err error) error {
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return &jsonError{Path: typeErr.Field, Message: "expected " + typeErr.Type.String() +
			", got a JSON " + typeErr.Value}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &jsonError{Path: strings.Trim(field, `"`), Message: "unknown field"}
	}
	return &jsonError{Message: err.Error()}
}

// jsonKindOf names the JSON type of a compacted value.
func jsonKindOf(value []byte) string {
	switch value[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

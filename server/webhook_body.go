package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Formats a webhook body can be parsed as.
const (
	formatJSON   = "json"
	formatNDJSON = "ndjson"
	formatForm   = "form"
)

// webhookBody is a parsed webhook request body.
type webhookBody struct {
	// Trigger is the JSON the run sees as `trigger`: the object or array
	// sent, an array of the NDJSON lines' values, or an object of form
	// fields whose values are strings (or arrays of strings for repeated
	// fields).
	Trigger json.RawMessage
	// Raw is the body after Content-Encoding is removed, byte-order mark
	// included, as kept for audit.
	Raw []byte
	// Format is formatJSON, formatNDJSON or formatForm.
	Format string
	// Mismatch is true when the body was parsed as JSON or NDJSON although
	// its content type named another format.
	Mismatch bool
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseWebhookBody reads and parses a webhook body. limit caps the body in
// bytes after decompression, and the trigger JSON parsed from it. It
// returns an *Error with status 413 when either is over the limit, 415 for
// an unsupported encoding or content type, and 400 when the body cannot be
// parsed.
func parseWebhookBody(contentType, contentEncoding string, body io.Reader, limit int64) (*webhookBody, error) {
	decoded, err := decodeContent(contentEncoding, body)
	if err != nil {
		return nil, err
	}
	raw, err := readLimited(decoded, limit, "webhook body")
	if err != nil {
		return nil, err
	}
	parsed, err := parseWebhookBytes(contentType, raw)
	if err != nil {
		return nil, err
	}
	// The trigger becomes the trigger step's output, whose limit the
	// webhook limit matches. Form fields can grow when encoded as JSON.
	if int64(len(parsed.Trigger)) > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
			"webhook body exceeds the limit of %s once converted to JSON", formatSize(limit))
	}
	parsed.Raw = raw
	return parsed, nil
}

// decodeContent removes the Content-Encoding. Only identity and gzip are
// supported.
func decodeContent(contentEncoding string, body io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(contentEncoding)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, &Error{
				Status:  http.StatusBadRequest,
				Code:    codeInvalidBody,
				Message: "body is marked Content-Encoding: gzip but is not valid gzip data",
				Cause:   err,
			}
		}
		return gzipReader{zr}, nil
	}
	return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedEncoding,
		"Content-Encoding %q is not supported; send the body uncompressed or with gzip",
		contentEncoding)
}

// gzipReader reports corrupt gzip data as a 400 rather than a read failure.
type gzipReader struct{ r *gzip.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, &Error{
			Status:  http.StatusBadRequest,
			Code:    codeInvalidBody,
			Message: "gzip body is corrupt or truncated",
			Cause:   err,
		}
	}
	return n, err
}

// parseWebhookBytes parses a body that has been read and decompressed.
func parseWebhookBytes(contentType string, raw []byte) (*webhookBody, error) {
	text := bytes.TrimPrefix(raw, utf8BOM)
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, errorf(http.StatusBadRequest, codeInvalidBody, "webhook body is empty")
	}
	if !utf8.Valid(text) {
		return nil, errorf(http.StatusBadRequest, codeInvalidBody,
			"webhook body is not valid UTF-8; send UTF-8 text, with or without a byte-order mark")
	}

	mediaType := ""
	if contentType != "" {
		var err error
		mediaType, _, err = mime.ParseMediaType(contentType)
		if err != nil {
			return nil, &Error{
				Status:  http.StatusBadRequest,
				Code:    codeUnsupportedMedia,
				Message: fmt.Sprintf("Content-Type %q cannot be parsed", contentType),
				Cause:   err,
			}
		}
	}

	switch {
	case isJSONMediaType(mediaType):
		return parseJSONBody(text, false)
	case isNDJSONMediaType(mediaType):
		return parseNDJSONBody(text, false)
	case mediaType == "application/x-www-form-urlencoded":
		if looksLikeJSON(text) {
			return parseJSONOrNDJSON(text, true)
		}
		return parseFormBody(text)
	case mediaType == "" || strings.HasPrefix(mediaType, "text/"):
		return parseJSONOrNDJSON(text, mediaType != "")
	}
	return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
		"Content-Type %q is not supported; send JSON, NDJSON or form-encoded fields", mediaType)
}

func isJSONMediaType(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func isNDJSONMediaType(mediaType string) bool {
	switch mediaType {
	case "application/x-ndjson", "application/ndjson", "application/jsonl",
		"application/x-jsonlines", "application/jsonlines":
		return true
	}
	return false
}

// looksLikeJSON reports whether text starts like a JSON object or array.
func looksLikeJSON(text []byte) bool {
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

// parseJSONOrNDJSON parses text as one JSON value, or else as NDJSON. It is
// used when the content type does not say which, so the error names both.
func parseJSONOrNDJSON(text []byte, mismatch bool) (*webhookBody, error) {
	body, jsonErr := parseJSONBody(text, mismatch)
	if jsonErr == nil {
		return body, nil
	}
	if body, err := parseNDJSONBody(text, mismatch); err == nil {
		return body, nil
	}
	return nil, &Error{
		Status:  http.StatusBadRequest,
		Code:    codeInvalidJSON,
		Message: "body is neither JSON nor NDJSON: " + errors.Unwrap(jsonErr).Error(),
		Cause:   jsonErr,
	}
}

func parseJSONBody(text []byte, mismatch bool) (*webhookBody, error) {
	value, err := jsonContainer(text)
	if err != nil {
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    codeInvalidJSON,
			Message: "JSON body cannot be parsed: " + err.Error(),
			Cause:   err,
		}
	}
	return &webhookBody{Trigger: value, Format: formatJSON, Mismatch: mismatch}, nil
}

// jsonContainer checks with compactStrict that text is exactly one JSON
// object or array and returns it compacted.
func jsonContainer(text []byte) (json.RawMessage, error) {
	value, err := compactStrict(text)
	if err != nil {
		return nil, err
	}
	if value[0] != '{' && value[0] != '[' {
		return nil, &jsonError{Message: "the JSON value must be an object or an array, got " + jsonKindOf(value)}
	}
	return value, nil
}

// parseNDJSONBody parses one JSON object or array per line, skipping blank
// lines, into a JSON array.
func parseNDJSONBody(text []byte, mismatch bool) (*webhookBody, error) {
	var values []json.RawMessage
	scanner := bufio.NewScanner(bytes.NewReader(text))
	scanner.Buffer(nil, len(text)+1)
	for line := 1; scanner.Scan(); line++ {
		if len(bytes.TrimSpace(scanner.Bytes())) == 0 {
			continue
		}
		value, err := jsonContainer(scanner.Bytes())
		if err != nil {
			return nil, &Error{
				Status:  http.StatusBadRequest,
				Code:    codeInvalidJSON,
				Message: fmt.Sprintf("NDJSON line %d cannot be parsed: %v", line, err),
				Cause:   err,
			}
		}
		values = append(values, value)
	}
	if err := scanner.Err(); err != nil {
		return nil, internalError(fmt.Errorf("scan NDJSON body: %w", err))
	}
	trigger, err := json.Marshal(values)
	if err != nil {
		return nil, internalError(fmt.Errorf("encode NDJSON values: %w", err))
	}
	return &webhookBody{Trigger: trigger, Format: formatNDJSON, Mismatch: mismatch}, nil
}

// parseFormBody turns form fields into a JSON object. A field sent once is a
// string and a repeated field is an array of strings.
func parseFormBody(text []byte) (*webhookBody, error) {
	values, err := url.ParseQuery(strings.TrimSpace(string(text)))
	if err != nil {
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    codeInvalidBody,
			Message: "form-encoded body cannot be parsed: " + err.Error(),
			Cause:   err,
		}
	}
	fields := make(map[string]any, len(values))
	for key, list := range values {
		if len(list) == 1 {
			fields[key] = list[0]
		} else {
			fields[key] = list
		}
	}
	trigger, err := json.Marshal(fields)
	if err != nil {
		return nil, internalError(fmt.Errorf("encode form fields: %w", err))
	}
	return &webhookBody{Trigger: trigger, Format: formatForm}, nil
}

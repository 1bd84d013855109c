package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseWebhookBody_Accepts(t *testing.T) {
	bom := string(utf8BOM)
	cases := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		wantTrigger string
		wantFormat  string
		mismatch    bool
	}{
		{"json object", "application/json", "",
			[]byte(`{"a": 1, "b": "x"}`), `{"a":1,"b":"x"}`, formatJSON, false},
		{"json array", "application/json; charset=utf-8", "",
			[]byte(`[{"id": 1}, {"id": 2}]`), `[{"id":1},{"id":2}]`, formatJSON, false},
		{"json vendor type", "application/vnd.siem.alert+json", "",
			[]byte(`{"a":1}`), `{"a":1}`, formatJSON, false},
		{"json with byte-order mark", "application/json", "",
			[]byte(bom + `{"subject":"【重要】"}`), `{"subject":"【重要】"}`, formatJSON, false},
		{"big number kept exactly", "application/json", "",
			[]byte(`{"id":12345678901234567890}`), `{"id":12345678901234567890}`, formatJSON, false},
		{"json under text/plain", "text/plain", "",
			[]byte(`{"a":1}`), `{"a":1}`, formatJSON, true},
		{"json under form type", "application/x-www-form-urlencoded", "",
			[]byte(` {"a":1}`), `{"a":1}`, formatJSON, true},
		{"json without content type", "", "",
			[]byte(`{"a":1}`), `{"a":1}`, formatJSON, false},
		{"form fields", "application/x-www-form-urlencoded", "",
			[]byte("alert=ssh+brute&host=web-01&tag=a&tag=b"),
			`{"alert":"ssh brute","host":"web-01","tag":["a","b"]}`, formatForm, false},
		{"ndjson", "application/x-ndjson", "",
			[]byte("{\"n\":1}\r\n\n{\"n\":2}\n"), `[{"n":1},{"n":2}]`, formatNDJSON, false},
		{"ndjson with byte-order mark", "application/x-ndjson", "",
			[]byte(bom + "{\"n\":1}\n{\"n\":2}"), `[{"n":1},{"n":2}]`, formatNDJSON, false},
		{"ndjson without content type", "", "",
			[]byte("{\"n\":1}\n{\"n\":2}\n"), `[{"n":1},{"n":2}]`, formatNDJSON, false},
		{"ndjson under text/plain", "text/plain", "",
			[]byte("{\"n\":1}\n[2]\n"), `[{"n":1},[2]]`, formatNDJSON, true},
		{"gzip json", "application/json", "gzip",
			gzipped(t, []byte(`{"a":1}`)), `{"a":1}`, formatJSON, false},
		{"identity encoding", "application/json", "identity",
			[]byte(`{"a":1}`), `{"a":1}`, formatJSON, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseWebhookBody(tc.contentType, tc.encoding, bytes.NewReader(tc.body), 1<<20)
			if err != nil {
				t.Fatalf("parseWebhookBody: %v", err)
			}
			if string(got.Trigger) != tc.wantTrigger {
				t.Errorf("trigger = %s, want %s", got.Trigger, tc.wantTrigger)
			}
			if got.Format != tc.wantFormat {
				t.Errorf("format = %q, want %q", got.Format, tc.wantFormat)
			}
			if got.Mismatch != tc.mismatch {
				t.Errorf("mismatch = %v, want %v", got.Mismatch, tc.mismatch)
			}
			if tc.encoding != "gzip" && !bytes.Equal(got.Raw, tc.body) {
				t.Errorf("raw = %q, want the body as sent %q", got.Raw, tc.body)
			}
		})
	}
}

func TestParseWebhookBody_GzipRawIsDecompressed(t *testing.T) {
	plain := []byte(`{"a":1}`)
	got, err := parseWebhookBody("application/json", "gzip", bytes.NewReader(gzipped(t, plain)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Raw, plain) {
		t.Errorf("raw = %q, want %q", got.Raw, plain)
	}
}

func TestParseWebhookBody_Rejects(t *testing.T) {
	const limit = 64
	cases := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"malformed json", "application/json", "", []byte(`{"a":`),
			http.StatusBadRequest, codeInvalidJSON, "unexpected end of JSON input"},
		{"json syntax error", "application/json", "", []byte(`{"a" 1}`),
			http.StatusBadRequest, codeInvalidJSON, "at byte"},
		{"json scalar", "application/json", "", []byte(`"text"`),
			http.StatusBadRequest, codeInvalidJSON, "must be an object or an array"},
		{"data after json", "application/json", "", []byte(`{"a":1} {"b":2}`),
			http.StatusBadRequest, codeInvalidJSON, "unexpected data after the JSON value"},
		{"bad ndjson line", "application/x-ndjson", "", []byte("{\"a\":1}\n{oops}\n"),
			http.StatusBadRequest, codeInvalidJSON, "NDJSON line 2"},
		{"plain text", "text/plain", "", []byte("hello there"),
			http.StatusBadRequest, codeInvalidJSON, "neither JSON nor NDJSON"},
		{"empty body", "application/json", "", []byte("  \n"),
			http.StatusBadRequest, codeInvalidBody, "empty"},
		{"not utf-8", "application/json", "", []byte{'{', '"', 0xff, '"', ':', '1', '}'},
			http.StatusBadRequest, codeInvalidBody, "not valid UTF-8"},
		{"unsupported content type", "application/xml", "", []byte("<a/>"),
			http.StatusUnsupportedMediaType, codeUnsupportedMedia, `"application/xml" is not supported`},
		{"bad content type", "application/", "", []byte(`{}`),
			http.StatusBadRequest, codeUnsupportedMedia, "cannot be parsed"},
		{"unsupported encoding", "application/json", "br", []byte(`{}`),
			http.StatusUnsupportedMediaType, codeUnsupportedEncoding, `"br" is not supported`},
		{"not gzip", "application/json", "gzip", []byte(`{"a":1}`),
			http.StatusBadRequest, codeInvalidBody, "not valid gzip"},
		{"truncated gzip", "application/json", "gzip", gzipped(t, []byte(`{"a":1}`))[:15],
			http.StatusBadRequest, codeInvalidBody, "corrupt or truncated"},
		{"over limit", "application/json", "", []byte(`{"a":"` + strings.Repeat("x", limit) + `"}`),
			http.StatusRequestEntityTooLarge, codeBodyTooLarge, "limit of 64 bytes"},
		{"over limit after gzip", "application/json", "gzip",
			gzipped(t, []byte(`{"a":"`+strings.Repeat("x", 10*limit)+`"}`)),
			http.StatusRequestEntityTooLarge, codeBodyTooLarge, "limit of 64 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWebhookBody(tc.contentType, tc.encoding, bytes.NewReader(tc.body), limit)
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if apiErr.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d", apiErr.Status, tc.wantStatus)
			}
			if apiErr.Code != tc.wantCode {
				t.Errorf("code = %q, want %q", apiErr.Code, tc.wantCode)
			}
			if !strings.Contains(apiErr.Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Message, tc.wantMessage)
			}
		})
	}
}

func FuzzParseWebhookBody(f *testing.F) {
	f.Add("application/json", false, []byte(`{"a":[1,2,{"b":null}]}`))
	f.Add("application/x-ndjson", false, []byte("{\"n\":1}\n{\"n\":2}\n"))
	f.Add("application/x-www-form-urlencoded", false, []byte("a=1&b=2&b=3"))
	f.Add("text/plain; charset=utf-8", false, []byte("\xef\xbb\xbf[1,2]"))
	f.Add("", true, []byte(`{"gz":true}`))
	f.Fuzz(func(t *testing.T, contentType string, compress bool, body []byte) {
		encoding := ""
		if compress {
			encoding = "gzip"
			body = gzipped(t, body)
		}
		got, err := parseWebhookBody(contentType, encoding, bytes.NewReader(body), 1<<16)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if apiErr.Status < 400 || apiErr.Status > 499 {
				t.Fatalf("status %d for a client error: %v", apiErr.Status, err)
			}
			return
		}
		if !json.Valid(got.Trigger) {
			t.Fatalf("trigger is not valid JSON: %q", got.Trigger)
		}
		if c := got.Trigger[0]; c != '{' && c != '[' {
			t.Fatalf("trigger %q is neither an object nor an array", got.Trigger)
		}
	})
}

package emailparse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// wordDecoder decodes RFC 2047 encoded-words in any charset that the
// WHATWG Encoding Standard names, such as ISO-2022-JP and Shift_JIS.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("charset %q is not supported", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// decodeWords decodes the encoded-words in a header value, and returns
// the value unchanged when one is malformed.
func decodeWords(s string) string {
	decoded, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return decoded
}

// lowercaseEscapeRE matches "=" before two hex digits with a lowercase
// letter among them. RFC 2045 requires uppercase hex in quoted-printable,
// and such a sequence is far more often a literal "=" that a careless
// sender did not encode, as in "?id=3f9a7c", so it is kept as text.
var lowercaseEscapeRE = regexp.MustCompile(`=([0-9a-f][a-f]|[a-f][0-9a-f])`)

// decodeTransfer undoes a Content-Transfer-Encoding. 7bit, 8bit, binary
// and unknown encodings are returned as they are.
func decodeTransfer(body []byte, encoding string) ([]byte, error) {
	switch strings.ToLower(trimSpace(encoding)) {
	case "quoted-printable":
		body = lowercaseEscapeRE.ReplaceAll(body, []byte("=3D$1"))
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		// The decoder skips line breaks; other whitespace is dropped here.
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(clean)))
	}
	return body, nil
}

// toUTF8 converts text from charset to UTF-8. An empty or unknown charset
// leaves the bytes as they are.
func toUTF8(body []byte, charset string) (string, error) {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii":
		return string(body), nil
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return string(body), fmt.Errorf("charset %q is not supported", charset)
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return string(body), fmt.Errorf("charset %q: %w", charset, err)
	}
	return string(out), nil
}

func trimSpace(s string) string { return strings.TrimSpace(s) }

package emailparse

import (
	"bytes"
	"fmt"
	"net/mail"
	"time"
)

// Address is a mailbox from an address header.
type Address struct {
	Name    string `json:"name"` // display name, MIME encoded-words decoded
	Address string `json:"address"`
}

// Headers are the main headers, decoded.
type Headers struct {
	From       *Address  `json:"from"` // nil when missing or unparsable
	To         []Address `json:"to"`
	Cc         []Address `json:"cc"`
	ReplyTo    []Address `json:"reply_to"`
	ReturnPath string    `json:"return_path"`
	Subject    string    `json:"subject"`
	// Date is in RFC 3339 with the sender's offset, or "" when the header
	// is missing or unparsable.
	Date      string `json:"date"`
	MessageID string `json:"message_id"` // without angle brackets
}

// Output is the output of email.parse.
type Output struct {
	Headers Headers `json:"headers"`
	// AllHeaders holds every header field by canonical name, values
	// decoded, in order of appearance.
	AllHeaders     map[string][]string `json:"all_headers"`
	TextBody       string              `json:"text_body"`
	HTMLBody       string              `json:"html_body"`
	URLs           []string            `json:"urls"`
	Attachments    []Attachment        `json:"attachments"`
	Received       []Hop               `json:"received"`
	Authentication Authentication      `json:"authentication"`
	// Warnings lists the parts of the message that could not be read.
	Warnings []string `json:"warnings"`
}

// Parse reads a raw message. Only a message whose header cannot be read
// is an error; a damaged part becomes a warning.
func Parse(raw []byte) (Output, error) {
	// net/mail expects a blank line after the header, which a message
	// with no body may lack.
	if !bytes.Contains(raw, []byte("\n\n")) && !bytes.Contains(raw, []byte("\r\n\r\n")) {
		raw = append(raw, "\r\n\r\n"...)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Output{}, fmt.Errorf("read header: %w", err)
	}

	out := Output{
		Headers:     readHeaders(msg.Header),
		AllHeaders:  allHeaders(msg.Header),
		Attachments: []Attachment{},
		Received:    readReceived(msg.Header["Received"]),
		Warnings:    []string{},
	}
	out.Authentication = readAuthentication(msg.Header["Authentication-Results"])

	w := &walker{out: &out}
	w.walk(textprotoHeader(msg.Header), msg.Body, 0)
	out.URLs = findURLs(out.TextBody, out.HTMLBody)
	return out, nil
}

func readHeaders(h mail.Header) Headers {
	hs := Headers{
		To:         addressList(h, "To"),
		Cc:         addressList(h, "Cc"),
		ReplyTo:    addressList(h, "Reply-To"),
		ReturnPath: trimAngles(h.Get("Return-Path")),
		Subject:    decodeWords(h.Get("Subject")),
		MessageID:  trimAngles(h.Get("Message-Id")),
	}
	if from := addressList(h, "From"); len(from) > 0 {
		hs.From = &from[0]
	}
	if date, err := h.Date(); err == nil {
		hs.Date = date.Format(time.RFC3339)
	}
	return hs
}

// addressList parses an address header, and falls back to the raw value
// as one address when the header does not follow RFC 5322.
func addressList(h mail.Header, name string) []Address {
	list := []Address{}
	value := h.Get(name)
	if value == "" {
		return list
	}
	parsed, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(value)
	if err != nil {
		return append(list, Address{Address: decodeWords(value)})
	}
	for _, a := range parsed {
		list = append(list, Address{Name: a.Name, Address: a.Address})
	}
	return list
}

func allHeaders(h mail.Header) map[string][]string {
	all := make(map[string][]string, len(h))
	for name, values := range h {
		decoded := make([]string, len(values))
		for i, v := range values {
			decoded[i] = decodeWords(v)
		}
		all[name] = decoded
	}
	return all
}

func trimAngles(s string) string {
	s = trimSpace(s)
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return s[1 : len(s)-1]
	}
	return s
}

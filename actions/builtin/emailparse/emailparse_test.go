package emailparse

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func readSample(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/phishing.eml")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// reportBase64 returns raw_eml_base64 of the sample phishing report.
func reportBase64(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/phishing-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		RawEMLBase64 string `json:"raw_eml_base64"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	return report.RawEMLBase64
}

func TestRun_PhishingSample(t *testing.T) {
	eml, b64 := readSample(t), reportBase64(t)
	inputs := map[string]Input{"eml": {EML: &eml}, "eml_base64": {EMLBase64: &b64}}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			out, err := Run(sdk.NewTestContext(nil), in)
			if err != nil {
				t.Fatal(err)
			}
			checkPhishingHeaders(t, out.Headers)
			checkPhishingBodies(t, out)
			checkPhishingAttachment(t, out.Attachments)
			checkPhishingTrace(t, out)
			if len(out.Warnings) != 0 {
				t.Errorf("warnings = %q, want none", out.Warnings)
			}
		})
	}
}

func checkPhishingHeaders(t *testing.T, h Headers) {
	t.Helper()
	want := Headers{
		From:       &Address{Name: "PayPal Billing", Address: "billing@paypa1-secure.example"},
		To:         []Address{{Address: "jdoe@corp.example"}},
		Cc:         []Address{},
		ReplyTo:    []Address{{Address: "support-desk@mailbox-relay.example"}},
		ReturnPath: "billing@paypa1-secure.example",
		Subject:    "【重要】アカウントの確認が必要です",
		Date:       "2026-12-03T08:41:12+09:00",
		MessageID:  "20261203084112.7781.billing@paypa1-secure.example",
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("headers =\n%+v\nwant\n%+v", h, want)
	}
}

func checkPhishingBodies(t *testing.T, out Output) {
	t.Helper()
	if !strings.Contains(out.TextBody, "hxxps://paypa1-secure[.]example/verify?id=3f9a7c") {
		t.Errorf("text body lacks the defanged link:\n%s", out.TextBody)
	}
	if !strings.Contains(out.TextBody, "ご不便をおかけします。") {
		t.Errorf("text body lacks the decoded Japanese line:\n%s", out.TextBody)
	}
	if !strings.Contains(out.HTMLBody, `<a href="https://paypa1-secure.example/verify?id=3f9a7c">`) {
		t.Errorf("html body lacks the decoded link:\n%s", out.HTMLBody)
	}
	want := []string{"https://paypa1-secure.example/verify?id=3f9a7c", "http://203.0.113.9/t.gif?u=jdoe"}
	if !slices.Equal(out.URLs, want) {
		t.Errorf("urls = %q, want %q", out.URLs, want)
	}
}

func checkPhishingAttachment(t *testing.T, attachments []Attachment) {
	t.Helper()
	want := []Attachment{{
		Filename:    "verification_form.zip",
		ContentType: "application/zip",
		Size:        241,
		MD5:         "42a19f15e4622f4f4f67ce6491b55fab",
		SHA1:        "65fa8baef466b77a3b47d2ef5bed15dd79ece66a",
		SHA256:      "839287f2b54d2ecd0df39b9c4df42ebba5150fe8354177539ebee10f92279fdf",
	}}
	if !reflect.DeepEqual(attachments, want) {
		t.Errorf("attachments =\n%+v\nwant\n%+v", attachments, want)
	}
}

func checkPhishingTrace(t *testing.T, out Output) {
	t.Helper()
	if len(out.Received) != 1 {
		t.Fatalf("received has %d hops, want 1", len(out.Received))
	}
	hop := out.Received[0]
	hop.Raw = ""
	wantHop := Hop{
		From: "mail.paypa1-secure.example", By: "mx1.corp.example", With: "ESMTPS",
		ID: "4Xq9Zt0kLmz3", For: "jdoe@corp.example", IP: "198.51.100.66",
		Date: "2026-12-03T08:41:19+09:00",
	}
	if hop != wantHop {
		t.Errorf("hop =\n%+v\nwant\n%+v", hop, wantHop)
	}

	auth := out.Authentication
	if auth.AuthservID != "mx1.corp.example" {
		t.Errorf("authserv_id = %q, want mx1.corp.example", auth.AuthservID)
	}
	if auth.SPF != "fail" || auth.DKIM != "none" || auth.DMARC != "fail" {
		t.Errorf("spf, dkim, dmarc = %q, %q, %q, want fail, none, fail", auth.SPF, auth.DKIM, auth.DMARC)
	}
	if got := auth.Results[0].Properties["smtp.mailfrom"]; got != "billing@paypa1-secure.example" {
		t.Errorf("spf smtp.mailfrom = %q", got)
	}
	if got := auth.Results[2].Properties["header.from"]; got != "paypa1-secure.example" {
		t.Errorf("dmarc header.from = %q", got)
	}
}

func TestParse_Encodings(t *testing.T) {
	tests := []struct {
		name     string
		eml      string
		wantSubj string
		wantText string
		wantHTML string
	}{
		{
			name: "base64 body and q-encoded subject",
			eml: "Subject: =?utf-8?Q?Caf=C3=A9_invoice?=\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				"Q2Fmw6kgaW52b2ljZQ==\r\n",
			wantSubj: "Café invoice",
			wantText: "Café invoice",
		},
		{
			name: "iso-2022-jp subject and body",
			eml: "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n" +
				"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" +
				"\x1b$B%F%9%H\x1b(B\r\n",
			wantSubj: "テスト",
			wantText: "テスト\r\n",
		},
		{
			name: "html only",
			eml: "Subject: plain\r\nContent-Type: text/html\r\n\r\n" +
				"<a href=\"https://a.example/?x=1&amp;y=2\">x</a>",
			wantSubj: "plain",
			wantHTML: "<a href=\"https://a.example/?x=1&amp;y=2\">x</a>",
		},
		{
			name:     "no content type",
			eml:      "Subject: hi\r\n\r\nhello\r\n",
			wantSubj: "hi",
			wantText: "hello\r\n",
		},
		{
			name:     "header only",
			eml:      "Subject: hi",
			wantSubj: "hi",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Parse([]byte(tt.eml))
			if err != nil {
				t.Fatal(err)
			}
			if out.Headers.Subject != tt.wantSubj {
				t.Errorf("subject = %q, want %q", out.Headers.Subject, tt.wantSubj)
			}
			if out.TextBody != tt.wantText {
				t.Errorf("text body = %q, want %q", out.TextBody, tt.wantText)
			}
			if out.HTMLBody != tt.wantHTML {
				t.Errorf("html body = %q, want %q", out.HTMLBody, tt.wantHTML)
			}
		})
	}
}

func TestParse_HTMLEntitiesInURLs(t *testing.T) {
	eml := "Content-Type: text/html\r\n\r\n<a href=\"https://a.example/?x=1&amp;y=2\">x</a>"
	out, err := Parse([]byte(eml))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example/?x=1&y=2"}; !slices.Equal(out.URLs, want) {
		t.Errorf("urls = %q, want %q", out.URLs, want)
	}
}

func TestParse_AttachmentKinds(t *testing.T) {
	eml := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82.txt\r\n\r\nabc\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\n\r\nPNG\r\n" +
		"--b--\r\n"
	out, err := Parse([]byte(eml))
	if err != nil {
		t.Fatal(err)
	}
	if out.TextBody != "body" {
		t.Errorf("text body = %q, want \"body\"", out.TextBody)
	}
	var got []string
	for _, a := range out.Attachments {
		got = append(got, a.Filename+" "+a.ContentType)
	}
	if want := []string{"請求.txt text/plain", " image/png"}; !slices.Equal(got, want) {
		t.Errorf("attachments = %q, want %q", got, want)
	}
	if out.Attachments[0].SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("sha256 of \"abc\" = %s", out.Attachments[0].SHA256)
	}
}

func TestParse_DamagedPartWarns(t *testing.T) {
	eml := "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n"
	out, err := Parse([]byte(eml))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"multipart part has no boundary"}; !slices.Equal(out.Warnings, want) {
		t.Errorf("warnings = %q, want %q", out.Warnings, want)
	}
}

func TestRun_InvalidInput(t *testing.T) {
	eml, bad := "Subject: x\r\n\r\n", "%%%"
	notHeader := "this is not a header\r\n\r\n"
	tests := []struct {
		name     string
		in       Input
		wantCode string
		wantMsg  string
	}{
		{"neither", Input{}, "invalid_input", "input has neither eml nor eml_base64"},
		{"both", Input{EML: &eml, EMLBase64: &eml}, "invalid_input",
			"input has both eml and eml_base64; give one"},
		{"bad base64", Input{EMLBase64: &bad}, "invalid_input",
			"eml_base64: illegal base64 data at input byte 0"},
		{"bad header", Input{EML: &notHeader}, "invalid_email",
			"read header: malformed header line: this is not a header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), tt.in)
			var serr *sdk.Error
			if !errors.As(err, &serr) {
				t.Fatalf("error = %v, want *sdk.Error", err)
			}
			if serr.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", serr.Code, tt.wantCode)
			}
			if serr.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", serr.Message, tt.wantMsg)
			}
		})
	}
}

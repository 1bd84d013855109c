package hash

import (
	"errors"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func ptr(s string) *string { return &s }

func TestRun(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Output
	}{
		{
			name: "empty text all algorithms",
			in:   Input{Text: ptr("")},
			want: Output{
				MD5:    "d41d8cd98f00b204e9800998ecf8427e",
				SHA1:   "da39a3ee5e6b4b0d3255bfef95601890afd80709",
				SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				SHA512: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" +
					"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
			},
		},
		{
			name: "text selected algorithm",
			in:   Input{Text: ptr("abc"), Algorithms: []string{"sha256"}},
			want: Output{
				Size:   3,
				SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			},
		},
		{
			name: "base64 bytes",
			in:   Input{Base64: ptr("YWJj"), Algorithms: []string{"md5", "sha1"}},
			want: Output{
				Size: 3,
				MD5:  "900150983cd24fb0d6963f7d28e17f72",
				SHA1: "a9993e364706816aba3e25717850c26c9cd0d89d",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(sdk.NewTestContext(nil), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Run =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestRun_InvalidInput(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		wantMsg string
	}{
		{"neither", Input{}, "input has neither text nor base64"},
		{"both", Input{Text: ptr("a"), Base64: ptr("YQ==")}, "input has both text and base64; give one"},
		{"bad base64", Input{Base64: ptr("not base64!")}, "base64: illegal base64 data at input byte 3"},
		{"unknown algorithm", Input{Text: ptr("a"), Algorithms: []string{"crc32"}},
			`algorithm "crc32" is not supported; use md5, sha1, sha256 or sha512`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(sdk.NewTestContext(nil), tt.in)
			var serr *sdk.Error
			if !errors.As(err, &serr) {
				t.Fatalf("error = %v, want *sdk.Error", err)
			}
			if serr.Code != sdk.CodeInvalidInput {
				t.Errorf("code = %q, want invalid_input", serr.Code)
			}
			if serr.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", serr.Message, tt.wantMsg)
			}
		})
	}
}

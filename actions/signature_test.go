package actions

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestTrustedKeys_Verify(t *testing.T) {
	pub, priv := newKey(t)
	_, otherPriv := newKey(t)
	pubText := base64.StdEncoding.EncodeToString(pub)
	file := "# build team\n\n" + pubText + "  # ci key\n"
	keys, err := ParseTrustedKeys([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if keys.Len() != 1 {
		t.Fatalf("Len = %d, want 1", keys.Len())
	}
	module := []byte("\x00asm\x01\x00\x00\x00")

	tests := []struct {
		name      string
		signature string
		is        error
	}{
		{"trusted", SignModule(priv, module), nil},
		{"other key", SignModule(otherPriv, module), ErrUntrustedSignature},
		{"other module", SignModule(priv, []byte("\x00asm\x01\x00\x00\x00\x00")), ErrUntrustedSignature},
		{"not base64", "!!!", ErrInvalidSignature},
		{"too short", base64.StdEncoding.EncodeToString([]byte("short")), ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := keys.Verify(module, tt.signature)
			if tt.is == nil {
				if err != nil {
					t.Fatal(err)
				}
				if signer != pubText {
					t.Errorf("signer = %q, want %q", signer, pubText)
				}
				return
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("Verify error = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestTrustedKeys_ZeroTrustsNothing(t *testing.T) {
	_, priv := newKey(t)
	var keys *TrustedKeys
	_, err := keys.Verify([]byte("m"), SignModule(priv, []byte("m")))
	if !errors.Is(err, ErrUntrustedSignature) {
		t.Errorf("Verify with no keys = %v, want ErrUntrustedSignature", err)
	}
}

func TestParseTrustedKeys_NamesBadLine(t *testing.T) {
	_, err := ParseTrustedKeys([]byte("# keys\nnot-a-key\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: invalid ed25519 public key") {
		t.Errorf("error = %v, want one naming line 2", err)
	}
}

func TestSignedMessage_IsHexSHA256(t *testing.T) {
	got := string(SignedMessage([]byte("abc")))
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got != want {
		t.Errorf("SignedMessage = %s, want %s", got, want)
	}
}

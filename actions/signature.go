package actions

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// SignedMessage returns the bytes that an action signature covers: the
// module's SHA-256 as 64 lowercase hex digits, the same string that
// identifies the module in the registry.
func SignedMessage(module []byte) []byte {
	sum := sha256.Sum256(module)
	return []byte(hex.EncodeToString(sum[:]))
}

// SignModule returns the base64 ed25519 signature of SignedMessage(module).
func SignModule(key ed25519.PrivateKey, module []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, SignedMessage(module)))
}

// TrustedKeys is a set of ed25519 public keys whose signatures on action
// modules are accepted. The zero value trusts no key.
type TrustedKeys struct {
	keys []ed25519.PublicKey
}

// ParseTrustedKeys reads one base64 ed25519 public key per line. Text
// after "#" is a comment, and blank lines are skipped.
func ParseTrustedKeys(data []byte) (*TrustedKeys, error) {
	tk := &TrustedKeys{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		key, err := ParsePublicKey(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		tk.keys = append(tk.keys, key)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return tk, nil
}

// LoadTrustedKeys reads a trusted keys file (see ParseTrustedKeys).
func LoadTrustedKeys(path string) (*TrustedKeys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted keys: %w", err)
	}
	tk, err := ParseTrustedKeys(data)
	if err != nil {
		return nil, fmt.Errorf("trusted keys %s: %w", path, err)
	}
	return tk, nil
}

// Len returns the number of trusted keys.
func (tk *TrustedKeys) Len() int {
	if tk == nil {
		return 0
	}
	return len(tk.keys)
}

// Verify checks a base64 signature of module against each trusted key and
// returns the base64 public key that verifies it. The error wraps
// ErrUntrustedSignature when no trusted key does.
func (tk *TrustedKeys) Verify(module []byte, signature string) (string, error) {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", fmt.Errorf("%w: the signature is not %d bytes of base64",
			ErrInvalidSignature, ed25519.SignatureSize)
	}
	message := SignedMessage(module)
	if tk != nil {
		for _, key := range tk.keys {
			if ed25519.Verify(key, message, sig) {
				return base64.StdEncoding.EncodeToString(key), nil
			}
		}
	}
	return "", fmt.Errorf("%w: no trusted key verifies the signature of module sha256 %s",
		ErrUntrustedSignature, message)
}

// ParsePublicKey decodes a base64 ed25519 public key.
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("invalid ed25519 public key: want %d bytes of base64",
			ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ParsePrivateKey decodes a base64 ed25519 private key, as written by
// `updraft action keygen`.
func ParsePrivateKey(text string) (ed25519.PrivateKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("invalid ed25519 private key: want %d bytes of base64",
			ed25519.PrivateKeySize)
	}
	return ed25519.PrivateKey(raw), nil
}

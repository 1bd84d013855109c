package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// SecretKeySize is the length in bytes of the key that encrypts secrets
// (AES-256).
const SecretKeySize = 32

// SecretKeyFile is the name of the generated key file in the data
// directory.
const SecretKeyFile = "secret.key"

// ErrKeyFileMode is returned, wrapped, when the secret key file can be
// read or written by users other than its owner.
var ErrKeyFileMode = errors.New("secret key file is accessible to other users")

// secretAD prefixes the additional data of every sealed value. The secret's
// name follows it, so a value sealed under one name does not open under
// another.
const secretAD = "updraft secret v1\x00"

// LoadSecretKey reads the secret key from the file at path. The file holds
// 32 raw bytes, 64 hex digits or 32 bytes in standard base64, with optional
// surrounding whitespace for the text forms. When the file does not exist
// and create is true, LoadSecretKey writes a new random key to it, hex
// encoded, with mode 0600. A file that group or other users may access is
// rejected with ErrKeyFileMode.
func LoadSecretKey(path string, create bool) ([]byte, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createSecretKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key file %q: %w", path, err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %q has mode %04o: %w; "+
			"run chmod 600 on it", path, perm, ErrKeyFileMode)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file %q: %w", path, err)
	}
	key, err := decodeSecretKey(raw)
	if err != nil {
		return nil, fmt.Errorf("secret key file %q: %w", path, err)
	}
	return key, nil
}

// createSecretKey writes a new random key to path, failing when the file
// appeared in the meantime.
func createSecretKey(path string) ([]byte, error) {
	key := make([]byte, SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secret key file %q: %w", path, err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write secret key file %q: %w", path, err)
	}
	return key, nil
}

// decodeSecretKey accepts the raw, hex and base64 forms of a key.
func decodeSecretKey(raw []byte) ([]byte, error) {
	if len(raw) == SecretKeySize {
		return raw, nil
	}
	text := string(bytes.TrimSpace(raw))
	if key, err := hex.DecodeString(text); err == nil && len(key) == SecretKeySize {
		return key, nil
	}
	if key, err := base64.StdEncoding.DecodeString(text); err == nil && len(key) == SecretKeySize {
		return key, nil
	}
	return nil, fmt.Errorf("invalid key: want %d raw bytes, %d hex digits or %d bytes in base64",
		SecretKeySize, 2*SecretKeySize, SecretKeySize)
}

// secretBox encrypts secret values with AES-256-GCM. Each value gets a
// random 96-bit nonce, stored before the ciphertext.
type secretBox struct {
	aead  cipher.AEAD
	keyID string // identifies the key without revealing it
}

func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("secret key has %d bytes, want %d", len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("updraft secret key id"))
	return &secretBox{aead: aead, keyID: hex.EncodeToString(mac.Sum(nil)[:8])}, nil
}

// seal returns nonce || ciphertext of value, bound to name.
func (b *secretBox) seal(name string, value []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(value)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return b.aead.Seal(nonce, nonce, value, []byte(secretAD+name)), nil
}

// open decrypts what seal returned for the same name. A different key, a
// different name or changed bytes fail.
func (b *secretBox) open(name string, sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, errors.New("sealed value is too short")
	}
	value, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(secretAD+name))
	if err != nil {
		return nil, errors.New("decryption failed: wrong key, wrong name or changed ciphertext")
	}
	return value, nil
}

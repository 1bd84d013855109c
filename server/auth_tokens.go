package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// TokenPrefix starts every API token that Updraft generates.
const TokenPrefix = "upd_"

// minTokenLength is the shortest token accepted as a configured bootstrap
// token.
const minTokenLength = 16

// TokenStore is the part of the store that bootstrap needs.
type TokenStore interface {
	CountTokens(ctx context.Context) (int64, error)
	InsertToken(ctx context.Context, t *store.Token) error
}

// NewToken returns a random API token: TokenPrefix and 32 random bytes in
// unpadded base64url.
func NewToken() (string, error) {
	secret, err := randomString(32)
	if err != nil {
		return "", err
	}
	return TokenPrefix + secret, nil
}

// HashToken returns the hex SHA-256 of a token or session id. The store
// keeps only these hashes.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// randomString returns n random bytes in unpadded base64url.
func randomString(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// EnsureBootstrapToken stores an admin token when the store holds no token
// yet. It stores configured when that is set, and otherwise generates a
// token and returns it so that the caller can show it once. It returns ""
// when tokens already exist or configured was used. A configured token
// shorter than 16 characters is rejected.
func EnsureBootstrapToken(ctx context.Context, st TokenStore, configured string) (generated string, err error) {
	count, err := st.CountTokens(ctx)
	if err != nil {
		return "", fmt.Errorf("bootstrap token: count tokens: %w", err)
	}
	if count > 0 {
		return "", nil
	}

	token := configured
	if token == "" {
		if token, err = NewToken(); err != nil {
			return "", fmt.Errorf("bootstrap token: %w", err)
		}
		generated = token
	} else if len(token) < minTokenLength {
		return "", fmt.Errorf("bootstrap token: UPDRAFT_BOOTSTRAP_TOKEN has %d characters; use at least %d",
			len(token), minTokenLength)
	}

	id, err := randomString(12)
	if err != nil {
		return "", fmt.Errorf("bootstrap token: %w", err)
	}
	record := &store.Token{
		ID:        id,
		Name:      "admin",
		Role:      RoleAdmin,
		Hash:      HashToken(token),
		CreatedAt: time.Now().UTC(),
	}
	err = st.InsertToken(ctx, record)
	if errors.Is(err, runtime.ErrConflict) {
		// Another process stored the same configured token first.
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bootstrap token: insert: %w", err)
	}
	return generated, nil
}

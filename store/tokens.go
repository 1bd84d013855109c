package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

// Token is an API token. The token itself is never stored: Hash is the hex
// SHA-256 of it and the key it is found by.
type Token struct {
	ID         string     `bson:"id"` // public identifier shown in lists
	Name       string     `bson:"name"`
	Role       string     `bson:"role"`
	Hash       string     `bson:"_id"`
	CreatedAt  time.Time  `bson:"created_at"`
	LastUsedAt *time.Time `bson:"last_used_at,omitempty"`
}

// InsertToken stores t. A token with the same hash or ID is
// runtime.ErrConflict.
func (s *Store) InsertToken(ctx context.Context, t *Token) error {
	if _, err := s.tokens.InsertOne(ctx, t); err != nil {
		return wrapErr(err, "insert token %q", t.ID)
	}
	return nil
}

// GetTokenByHash returns the token whose hex SHA-256 is hash, or
// runtime.ErrNotFound.
func (s *Store) GetTokenByHash(ctx context.Context, hash string) (*Token, error) {
	var t Token
	if err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&t); err != nil {
		return nil, wrapErr(err, "token")
	}
	return &t, nil
}

// GetToken returns the token whose public ID is id, or runtime.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, id string) (*Token, error) {
	var t Token
	if err := s.tokens.FindOne(ctx, bson.D{{Key: "id", Value: id}}).Decode(&t); err != nil {
		return nil, wrapErr(err, "token %q", id)
	}
	return &t, nil
}

// ListTokens returns every API token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "id", Value: 1}})
	tokens, err := findAll[Token](ctx, s.tokens, bson.D{}, opts)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// DeleteToken removes the token whose public ID is id, so that it no
// longer authenticates. A missing token is runtime.ErrNotFound. The
// browser sessions started with the token stay until
// DeleteTokenSessions removes them.
func (s *Store) DeleteToken(ctx context.Context, id string) error {
	res, err := s.tokens.DeleteOne(ctx, bson.D{{Key: "id", Value: id}})
	if err != nil {
		return fmt.Errorf("delete token %q: %w", id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("delete token %q: %w", id, runtime.ErrNotFound)
	}
	return nil
}

// CountTokens returns the number of stored API tokens.
func (s *Store) CountTokens(ctx context.Context) (int64, error) {
	n, err := s.tokens.CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}

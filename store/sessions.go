package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/runtime"
)

// Session is a browser session. ID is the hash of the cookie value, so the
// stored sessions cannot be replayed as cookies.
type Session struct {
	ID        string    `bson:"_id"`
	Subject   string    `bson:"subject"`
	Role      string    `bson:"role"`
	TokenID   string    `bson:"token_id,omitempty"` // public ID of the token signed in with
	CSRFToken string    `bson:"csrf_token"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// InsertSession stores sess. A session with the same ID is
// runtime.ErrConflict.
func (s *Store) InsertSession(ctx context.Context, sess *Session) error {
	if _, err := s.sessions.InsertOne(ctx, sess); err != nil {
		return wrapErr(err, "insert session for %q", sess.Subject)
	}
	return nil
}

// GetSession returns the session whose ID is idHash. A missing session and
// one whose ExpiresAt has passed are both runtime.ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (*Session, error) {
	var sess Session
	filter := bson.D{
		{Key: "_id", Value: idHash},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: time.Now()}}},
	}
	if err := s.sessions.FindOne(ctx, filter).Decode(&sess); err != nil {
		return nil, wrapErr(err, "session")
	}
	return &sess, nil
}

// DeleteSession removes the session whose ID is idHash. A missing session
// is runtime.ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	res, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: idHash}})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("delete session: %w", runtime.ErrNotFound)
	}
	return nil
}

// DeleteTokenSessions removes the sessions started with the token whose
// public ID is tokenID and returns how many it removed. An empty tokenID
// removes nothing.
func (s *Store) DeleteTokenSessions(ctx context.Context, tokenID string) (int64, error) {
	if tokenID == "" {
		return 0, nil
	}
	res, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "token_id", Value: tokenID}})
	if err != nil {
		return 0, fmt.Errorf("delete sessions of token %q: %w", tokenID, err)
	}
	return res.DeletedCount, nil
}

// DeleteExpiredSessions removes the sessions whose ExpiresAt is not after
// now and returns how many it removed. The embedded database has no TTL
// indexes, so the server calls it periodically.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now}}}}
	res, err := s.sessions.DeleteMany(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.DeletedCount, nil
}

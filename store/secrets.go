package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/runtime"
)

// MaxSecretBytes caps the length of one secret value.
const MaxSecretBytes = 64 << 10

// secretNamePattern is the rule for stored secret names: lowercase
// letters, digits, "_", "-" and ".", starting with a letter or digit, at
// most 64 characters.
var secretNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// CheckSecretName returns an error wrapping runtime.ErrInvalid when name
// is not a valid stored secret name.
func CheckSecretName(name string) error {
	if !secretNamePattern.MatchString(name) {
		return fmt.Errorf("secret name %q: %w: use 1 to 64 lowercase letters, digits, "+
			"\"_\", \"-\" or \".\", starting with a letter or digit", name, runtime.ErrInvalid)
	}
	return nil
}

// SecretInfo describes a stored secret without its value.
type SecretInfo struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// secretDoc is one secret in the "secrets" collection. Value is the
// AES-256-GCM nonce and ciphertext, with the name as additional data.
type secretDoc struct {
	Name      string    `bson:"_id"`
	Value     []byte    `bson:"value"`
	KeyID     string    `bson:"key_id"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// SecretStore keeps secrets encrypted at rest in the store's database. It
// implements the wasm host's SecretSource and is safe for concurrent use.
type SecretStore struct {
	coll *mongo.Collection
	box  *secretBox
	log  *slog.Logger
}

// NewSecretStore returns the secrets of s, encrypted under key, which must
// be SecretKeySize bytes.
func NewSecretStore(s *Store, key []byte) (*SecretStore, error) {
	box, err := newSecretBox(key)
	if err != nil {
		return nil, err
	}
	return &SecretStore{
		coll: s.db.Collection("secrets"),
		box:  box,
		log:  s.log.With("component", "secrets"),
	}, nil
}

// PutSecret encrypts and stores value under name, replacing an earlier
// value, and reports whether the secret is new. An invalid name, an empty
// value or one over MaxSecretBytes wraps runtime.ErrInvalid.
func (s *SecretStore) PutSecret(ctx context.Context, name, value string) (bool, error) {
	if err := CheckSecretName(name); err != nil {
		return false, err
	}
	if value == "" || len(value) > MaxSecretBytes {
		return false, fmt.Errorf("secret %q: %w: the value must have 1 to %d bytes",
			name, runtime.ErrInvalid, MaxSecretBytes)
	}
	sealed, err := s.box.seal(name, []byte(value))
	if err != nil {
		return false, fmt.Errorf("secret %q: %w", name, err)
	}

	now := time.Now().UTC()
	doc := secretDoc{Name: name, Value: sealed, KeyID: s.box.keyID, CreatedAt: now, UpdatedAt: now}
	old, err := s.find(ctx, name)
	switch {
	case err == nil:
		doc.CreatedAt = old.CreatedAt
	case !errors.Is(err, runtime.ErrNotFound):
		return false, err
	}
	filter := bson.D{{Key: "_id", Value: name}}
	res, err := s.coll.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return false, wrapErr(err, "store secret %q", name)
	}
	created := res.UpsertedCount > 0
	s.log.InfoContext(ctx, "secret stored", "secret", name, "created", created)
	return created, nil
}

// GetSecret returns the decrypted value of name, or an error wrapping
// runtime.ErrNotFound.
func (s *SecretStore) GetSecret(ctx context.Context, name string) (string, error) {
	doc, err := s.find(ctx, name)
	if err != nil {
		return "", err
	}
	if doc.KeyID != s.box.keyID {
		return "", fmt.Errorf("secret %q was encrypted under another key (key id %s, "+
			"this server has %s); start with the key file it was stored with", name, doc.KeyID, s.box.keyID)
	}
	value, err := s.box.open(name, doc.Value)
	if err != nil {
		return "", fmt.Errorf("secret %q: %w", name, err)
	}
	return string(value), nil
}

// Secret returns the value of the stored secret name. It implements the
// wasm host's SecretSource.
func (s *SecretStore) Secret(ctx context.Context, name string) (string, error) {
	return s.GetSecret(ctx, name)
}

// ListSecrets returns every secret's name and times, sorted by name. It
// never reads the values.
func (s *SecretStore) ListSecrets(ctx context.Context) ([]SecretInfo, error) {
	opts := options.Find().
		SetProjection(bson.D{{Key: "value", Value: 0}}).
		SetSort(bson.D{{Key: "_id", Value: 1}})
	docs, err := findAll[secretDoc](ctx, s.coll, bson.D{}, opts)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	list := make([]SecretInfo, len(docs))
	for i, d := range docs {
		list[i] = SecretInfo{Name: d.Name, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	}
	return list, nil
}

// DeleteSecret removes the secret name, or returns an error wrapping
// runtime.ErrNotFound.
func (s *SecretStore) DeleteSecret(ctx context.Context, name string) error {
	res, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: name}})
	if err != nil {
		return wrapErr(err, "delete secret %q", name)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("secret %q: %w", name, runtime.ErrNotFound)
	}
	s.log.InfoContext(ctx, "secret deleted", "secret", name)
	return nil
}

func (s *SecretStore) find(ctx context.Context, name string) (*secretDoc, error) {
	var doc secretDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&doc)
	if err != nil {
		return nil, wrapErr(err, "secret %q", name)
	}
	return &doc, nil
}

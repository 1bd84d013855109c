package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Webhook binds the secret token of a webhook URL to the trigger node that
// it starts.
type Webhook struct {
	Token      string    `bson:"_id"`
	PlaybookID string    `bson:"playbook_id"`
	NodeID     string    `bson:"node_id"`
	CreatedAt  time.Time `bson:"created_at"`
}

// InsertWebhook stores w. A webhook with the same token is
// runtime.ErrConflict.
func (s *Store) InsertWebhook(ctx context.Context, w *Webhook) error {
	if _, err := s.webhooks.InsertOne(ctx, w); err != nil {
		return wrapErr(err, "playbook %q: node %q: insert webhook", w.PlaybookID, w.NodeID)
	}
	return nil
}

// GetWebhook returns the webhook with token, or runtime.ErrNotFound. Error
// messages never include the token.
func (s *Store) GetWebhook(ctx context.Context, token string) (*Webhook, error) {
	var w Webhook
	if err := s.webhooks.FindOne(ctx, bson.D{{Key: "_id", Value: token}}).Decode(&w); err != nil {
		return nil, wrapErr(err, "webhook")
	}
	return &w, nil
}

// ListWebhooks returns the webhooks of a playbook, oldest first, or every
// webhook when playbookID is empty.
func (s *Store) ListWebhooks(ctx context.Context, playbookID string) ([]Webhook, error) {
	filter := bson.D{}
	if playbookID != "" {
		filter = bson.D{{Key: "playbook_id", Value: playbookID}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	hooks, err := findAll[Webhook](ctx, s.webhooks, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("playbook %q: list webhooks: %w", playbookID, err)
	}
	return hooks, nil
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// playbookDoc is one playbook version in the playbooks collection: the whole
// playbook as JSON bytes, plus the fields that queries filter and sort on.
type playbookDoc struct {
	ID         string    `bson:"_id"` // id:version
	PlaybookID string    `bson:"id"`
	Version    int       `bson:"version"`
	Name       string    `bson:"name"`
	CreatedAt  time.Time `bson:"created_at"`
	JSON       []byte    `bson:"json"`
}

// headDoc is the playbook_heads entry of one playbook: its latest version,
// so that listing playbooks does not read every version.
type headDoc struct {
	ID        string    `bson:"_id"` // playbook id
	Version   int       `bson:"version"`
	Name      string    `bson:"name"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func playbookDocID(id string, version int) string {
	return id + ":" + strconv.Itoa(version)
}

func (d *playbookDoc) playbook() (*designer.Playbook, error) {
	var p designer.Playbook
	if err := json.Unmarshal(d.JSON, &p); err != nil {
		return nil, fmt.Errorf("playbook %q version %d: decode: %w", d.PlaybookID, d.Version, err)
	}
	return &p, nil
}

// InsertPlaybookVersion stores p as version p.Version of playbook p.ID and
// makes it the head of the playbook unless a later version is already
// stored. A version that exists is runtime.ErrConflict, which is how two
// concurrent edits of the same version are detected: the second save
// fails.
func (s *Store) InsertPlaybookVersion(ctx context.Context, p *designer.Playbook) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("playbook %q version %d: encode: %w", p.ID, p.Version, err)
	}
	doc := playbookDoc{
		ID:         playbookDocID(p.ID, p.Version),
		PlaybookID: p.ID,
		Version:    p.Version,
		Name:       p.Name,
		CreatedAt:  p.CreatedAt,
		JSON:       data,
	}
	if _, err := s.playbooks.InsertOne(ctx, doc); err != nil {
		return wrapErr(err, "insert playbook %q version %d", p.ID, p.Version)
	}
	return s.advanceHead(ctx, p)
}

// advanceHead points the playbook's head at p unless it already names a
// later version. Upserting a head whose filter misses because a later
// version is stored gives a duplicate key error, which means there is
// nothing to do.
func (s *Store) advanceHead(ctx context.Context, p *designer.Playbook) error {
	filter := bson.D{
		{Key: "_id", Value: p.ID},
		{Key: "version", Value: bson.D{{Key: "$lt", Value: p.Version}}},
	}
	head := headDoc{ID: p.ID, Version: p.Version, Name: p.Name, UpdatedAt: p.CreatedAt}
	_, err := s.heads.ReplaceOne(ctx, filter, head, options.Replace().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("playbook %q version %d: update head: %w", p.ID, p.Version, err)
	}
	return nil
}

// GetPlaybook returns the latest version of the playbook with id, or
// runtime.ErrNotFound. It starts from the head and looks up the next
// versions by _id until one is missing, so it is right even when a crash
// left the head behind. Embedded FerretDB finds documents by _id through
// an index. A playbook without a head is found by reading its versions.
func (s *Store) GetPlaybook(ctx context.Context, id string) (*designer.Playbook, error) {
	var h headDoc
	err := s.heads.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return s.latestVersion(ctx, id)
	}
	if err != nil {
		return nil, wrapErr(err, "playbook %q: head", id)
	}
	p, err := s.GetPlaybookVersion(ctx, id, h.Version)
	if errors.Is(err, runtime.ErrNotFound) {
		return s.latestVersion(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	for {
		next, err := s.GetPlaybookVersion(ctx, id, p.Version+1)
		if errors.Is(err, runtime.ErrNotFound) {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		p = next
	}
}

// latestVersion returns the playbook version with the highest number by
// reading every version of the playbook.
func (s *Store) latestVersion(ctx context.Context, id string) (*designer.Playbook, error) {
	var d playbookDoc
	opts := options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})
	err := s.playbooks.FindOne(ctx, bson.D{{Key: "id", Value: id}}, opts).Decode(&d)
	if err != nil {
		return nil, wrapErr(err, "playbook %q", id)
	}
	return d.playbook()
}

// GetPlaybookVersion returns one version of a playbook, or
// runtime.ErrNotFound. Each call decodes a new copy, so callers may
// change it.
func (s *Store) GetPlaybookVersion(
	ctx context.Context, id string, version int,
) (*designer.Playbook, error) {
	key := playbookDocID(id, version)
	if data, ok := s.versions.get(key); ok {
		d := playbookDoc{PlaybookID: id, Version: version, JSON: data}
		return d.playbook()
	}
	var d playbookDoc
	if err := s.playbooks.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d); err != nil {
		return nil, wrapErr(err, "playbook %q version %d", id, version)
	}
	s.versions.put(key, d.JSON)
	return d.playbook()
}

// maxCachedVersions is the number of playbook versions whose JSON a
// versionCache keeps.
const maxCachedVersions = 256

// versionCache keeps the stored JSON of playbook versions by _id, so that
// a webhook does not read its playbook version from the database each
// time. A stored version never changes, so an entry stays true.
type versionCache struct {
	mu   sync.Mutex
	json map[string][]byte
}

func newVersionCache() *versionCache {
	return &versionCache{json: make(map[string][]byte)}
}

func (c *versionCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.json[key]
	return data, ok
}

func (c *versionCache) put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.json[key]; !ok && len(c.json) >= maxCachedVersions {
		for k := range c.json {
			delete(c.json, k) // an arbitrary version; it is read again when needed
			break
		}
	}
	c.json[key] = data
}

// ListPlaybooks returns the latest version of each playbook, sorted by
// name, then ID.
func (s *Store) ListPlaybooks(ctx context.Context) ([]designer.Playbook, error) {
	heads, err := findAll[headDoc](ctx, s.heads, bson.D{}, options.Find())
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	if len(heads) == 0 {
		return []designer.Playbook{}, nil
	}

	ids := make([]string, len(heads))
	for i, h := range heads {
		ids[i] = playbookDocID(h.ID, h.Version)
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	playbooks, err := s.findPlaybooks(ctx, filter, options.Find())
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}

	sort.Slice(playbooks, func(i, j int) bool {
		a, b := &playbooks[i], &playbooks[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return playbooks, nil
}

// ListPlaybookVersions returns every version of a playbook, newest first.
// A playbook with no versions gives an empty slice, not an error.
func (s *Store) ListPlaybookVersions(ctx context.Context, id string) ([]designer.Playbook, error) {
	filter := bson.D{{Key: "id", Value: id}}
	opts := options.Find().SetSort(bson.D{{Key: "version", Value: -1}})
	playbooks, err := s.findPlaybooks(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("playbook %q: list versions: %w", id, err)
	}
	return playbooks, nil
}

func (s *Store) findPlaybooks(
	ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder,
) ([]designer.Playbook, error) {
	docs, err := findAll[playbookDoc](ctx, s.playbooks, filter, opts)
	if err != nil {
		return nil, err
	}
	playbooks := make([]designer.Playbook, len(docs))
	for i := range docs {
		p, err := docs[i].playbook()
		if err != nil {
			return nil, err
		}
		playbooks[i] = *p
	}
	return playbooks, nil
}

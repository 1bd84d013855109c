package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/mod/semver"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// actionDoc is one published action version in the actions collection. The
// manifest is stored as JSON bytes because its JSON Schemas contain keys
// such as "$schema" and "$ref".
type actionDoc struct {
	Ref       string    `bson:"_id"` // name@version
	Name      string    `bson:"name"`
	Version   string    `bson:"version"`
	SHA256    string    `bson:"sha256"`
	Builtin   bool      `bson:"builtin"`
	Manifest  []byte    `bson:"manifest"`
	CreatedAt time.Time `bson:"created_at"`
	SignedBy  string    `bson:"signed_by,omitempty"`

	Deprecated *deprecationDoc `bson:"deprecated,omitempty"`
}

type deprecationDoc struct {
	Message string    `bson:"message"`
	At      time.Time `bson:"at"`
	By      string    `bson:"by,omitempty"`
}

func (d *actionDoc) action() (actions.Action, error) {
	a := actions.Action{SHA256: d.SHA256, Builtin: d.Builtin, SignedBy: d.SignedBy}
	if d.Deprecated != nil {
		a.Deprecated = &actions.Deprecation{
			Message: d.Deprecated.Message,
			At:      d.Deprecated.At,
			By:      d.Deprecated.By,
		}
	}
	if err := json.Unmarshal(d.Manifest, &a.Manifest); err != nil {
		return a, fmt.Errorf("action %q: decode manifest: %w", d.Ref, err)
	}
	return a, nil
}

// PutAction publishes an action version with its module. The module is
// stored once per SHA-256 in the GridFS bucket "modules", and the manifest
// under "name@version". Putting a version that exists with the same module
// changes nothing and returns created false. Versions are immutable, so
// putting one with a different module is runtime.ErrConflict. A non-empty
// a.SHA256 must match the module.
func (s *Store) PutAction(ctx context.Context, a actions.Action, module []byte) (bool, error) {
	ref := a.Manifest.Ref()
	sum := sha256.Sum256(module)
	a.SHA256 = checkSum(a.SHA256, sum[:])
	if a.SHA256 == "" {
		return false, fmt.Errorf("action %q: sha256 does not match the module's %x", ref, sum)
	}

	if created, err := s.compareAction(ctx, ref, a.SHA256); err == nil {
		return created, nil
	} else if !errors.Is(err, runtime.ErrNotFound) {
		return false, err
	}

	if err := s.storeModule(ctx, a.SHA256, module); err != nil {
		return false, fmt.Errorf("action %q: %w", ref, err)
	}

	doc, err := toActionDoc(a)
	if err != nil {
		return false, err
	}
	_, err = s.actions.InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		// Another process published the same version since the lookup.
		return s.compareAction(ctx, ref, a.SHA256)
	}
	if err != nil {
		return false, fmt.Errorf("insert action %q: %w", ref, err)
	}
	return true, nil
}

// checkSum returns the hex form of sum, or "" when expected is non-empty
// and differs from it.
func checkSum(expected string, sum []byte) string {
	hexSum := hex.EncodeToString(sum)
	if expected != "" && expected != hexSum {
		return ""
	}
	return hexSum
}

func toActionDoc(a actions.Action) (actionDoc, error) {
	manifest, err := json.Marshal(a.Manifest)
	if err != nil {
		return actionDoc{}, fmt.Errorf("action %q: encode manifest: %w", a.Manifest.Ref(), err)
	}
	return actionDoc{
		Ref:       a.Manifest.Ref(),
		Name:      a.Manifest.Name,
		Version:   a.Manifest.Version,
		SHA256:    a.SHA256,
		Builtin:   a.Builtin,
		Manifest:  manifest,
		CreatedAt: time.Now(),
		SignedBy:  a.SignedBy,
	}, nil
}

// compareAction checks a stored version against sum: it returns created
// false when the stored module is the same, runtime.ErrConflict when it
// differs and runtime.ErrNotFound when the version is not stored.
func (s *Store) compareAction(ctx context.Context, ref, sum string) (bool, error) {
	var d actionDoc
	err := s.actions.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d)
	if err != nil {
		return false, wrapErr(err, "action %q", ref)
	}
	if d.SHA256 != sum {
		return false, fmt.Errorf("action %q is already published with module sha256 %s: %w",
			ref, d.SHA256, runtime.ErrConflict)
	}
	return false, nil
}

// storeModule uploads module to GridFS under its SHA-256 unless a file of
// that name exists. Two processes uploading the same module at once store
// two identical files, which is harmless because Module reads either.
func (s *Store) storeModule(ctx context.Context, sum string, module []byte) error {
	files := s.modules.GetFilesCollection()
	err := files.FindOne(ctx, bson.D{{Key: "filename", Value: sum}}).Err()
	if err == nil {
		return nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("module %s: %w", sum, err)
	}

	if _, err := s.modules.UploadFromStream(ctx, sum, bytes.NewReader(module)); err != nil {
		return fmt.Errorf("upload module %s: %w", sum, err)
	}
	return nil
}

// DeprecateAction marks the stored version that ref ("name@version") names
// as deprecated, replacing an earlier deprecation, or returns
// runtime.ErrNotFound.
func (s *Store) DeprecateAction(ctx context.Context, ref string, d actions.Deprecation) error {
	doc := deprecationDoc{Message: d.Message, At: d.At, By: d.By}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "deprecated", Value: doc}}}}
	res, err := s.actions.UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, update)
	if err != nil {
		return fmt.Errorf("deprecate action %q: %w", ref, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("action %q: %w", ref, runtime.ErrNotFound)
	}
	return nil
}

// GetAction returns the action version that ref ("name@version") names, or
// runtime.ErrNotFound.
func (s *Store) GetAction(ctx context.Context, ref string) (*actions.Action, error) {
	var d actionDoc
	if err := s.actions.FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d); err != nil {
		return nil, wrapErr(err, "action %q", ref)
	}
	a, err := d.action()
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ListActions returns every published action version, sorted by name and
// then by semantic version, oldest first.
func (s *Store) ListActions(ctx context.Context) ([]actions.Action, error) {
	docs, err := findAll[actionDoc](ctx, s.actions, bson.D{}, options.Find())
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	list := make([]actions.Action, len(docs))
	for i := range docs {
		if list[i], err = docs[i].action(); err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
	}

	sort.Slice(list, func(i, j int) bool {
		a, b := &list[i].Manifest, &list[j].Manifest
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if c := semver.Compare("v"+a.Version, "v"+b.Version); c != 0 {
			return c < 0
		}
		return a.Version < b.Version
	})
	return list, nil
}

// Module returns the WebAssembly module whose hex SHA-256 is sum, or
// runtime.ErrNotFound. It checks the bytes against sum, so a damaged file
// is an error rather than a different module.
func (s *Store) Module(ctx context.Context, sum string) ([]byte, error) {
	stream, err := s.modules.OpenDownloadStreamByName(ctx, sum)
	if err != nil {
		return nil, wrapErr(err, "module %s", sum)
	}
	defer stream.Close()

	module, err := io.ReadAll(stream)
	if err != nil {
		return nil, fmt.Errorf("read module %s: %w", sum, err)
	}
	if got := sha256.Sum256(module); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("module %s: stored bytes have sha256 %x", sum, got)
	}
	return module, nil
}

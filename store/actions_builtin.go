package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// ReplaceBuiltinAction stores a bundled action version with the module of
// the running binary. A version stored with other module bytes is replaced
// when it is bundled too, because a new binary brings new bundled code
// under the same versions. A published version of the same name and
// version is never replaced and returns runtime.ErrConflict. A
// deprecation of the stored version is kept. It reports whether anything
// was written.
func (s *Store) ReplaceBuiltinAction(ctx context.Context, a actions.Action, module []byte) (bool, error) {
	ref := a.Manifest.Ref()
	sum := sha256.Sum256(module)
	a.SHA256 = checkSum(a.SHA256, sum[:])
	if a.SHA256 == "" {
		return false, fmt.Errorf("action %q: sha256 does not match the module's %x", ref, sum)
	}
	a.Builtin = true

	created, err := s.PutAction(ctx, a, module)
	if !errors.Is(err, runtime.ErrConflict) {
		return created, err
	}

	stored, err := s.GetAction(ctx, ref)
	if err != nil {
		return false, err
	}
	if !stored.Builtin {
		return false, fmt.Errorf("action %q is published, not bundled: %w", ref, runtime.ErrConflict)
	}

	if err := s.storeModule(ctx, a.SHA256, module); err != nil {
		return false, fmt.Errorf("action %q: %w", ref, err)
	}
	doc, err := toActionDoc(a)
	if err != nil {
		return false, err
	}
	if d := stored.Deprecated; d != nil {
		doc.Deprecated = &deprecationDoc{Message: d.Message, At: d.At, By: d.By}
	}
	if _, err := s.actions.ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}}, doc); err != nil {
		return false, fmt.Errorf("replace bundled action %q: %w", ref, err)
	}
	return true, nil
}

package actions

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/semver"
)

// Registry is the in-memory set of published action versions, keyed by
// "name@version". It compiles each version's schemas once, when the version
// is added. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	byRef map[string]*entry
}

type entry struct {
	action Action
	input  *Schema
	output *Schema
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byRef: make(map[string]*entry)}
}

// Add validates the manifest, compiles its schemas and publishes the
// version. Adding the same version with the same SHA-256 again is a no-op.
// Adding it with another SHA-256 fails with ErrVersionExists, because
// versions are immutable.
func (r *Registry) Add(a Action) error {
	if err := a.Manifest.Validate(); err != nil {
		return err
	}
	if !isSHA256Hex(a.SHA256) {
		return fmt.Errorf("action %q: sha256 %q is not 64 lowercase hex digits",
			a.Manifest.Ref(), a.SHA256)
	}
	input, err := CompileSchema(a.Manifest.InputSchema)
	if err != nil {
		return fmt.Errorf("action %q: input_schema: %w", a.Manifest.Ref(), err)
	}
	output, err := CompileSchema(a.Manifest.OutputSchema)
	if err != nil {
		return fmt.Errorf("action %q: output_schema: %w", a.Manifest.Ref(), err)
	}

	ref := a.Manifest.Ref()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byRef[ref]; ok {
		if old.action.SHA256 == a.SHA256 {
			return nil
		}
		return fmt.Errorf("action %q: %w with module sha256 %s",
			ref, ErrVersionExists, old.action.SHA256)
	}
	r.byRef[ref] = &entry{action: cloneAction(a), input: input, output: output}
	return nil
}

// Lookup returns a copy of the version that ref ("name@version") names.
func (r *Registry) Lookup(ref string) (*Action, bool) {
	e, ok := r.entry(ref)
	if !ok {
		return nil, false
	}
	a := cloneAction(e.action)
	return &a, true
}

// Schemas returns the compiled input and output schemas of ref.
func (r *Registry) Schemas(ref string) (input, output *Schema, ok bool) {
	e, ok := r.entry(ref)
	if !ok {
		return nil, nil, false
	}
	return e.input, e.output, true
}

// LookupAction returns the input and output JSON Schemas of ref, whose
// version part may be a range (see Resolve). It implements
// designer.Catalog.
func (r *Registry) LookupAction(ref string) (input, output json.RawMessage, ok bool) {
	e, ok := r.entry(ref)
	if !ok {
		a, err := r.Resolve(ref)
		if err != nil {
			return nil, nil, false
		}
		e, _ = r.entry(a.Manifest.Ref())
	}
	return e.input.Raw(), e.output.Raw(), true
}

// List returns every published version, sorted by name and then by
// semantic version, oldest first.
func (r *Registry) List() []Action {
	r.mu.RLock()
	list := make([]Action, 0, len(r.byRef))
	for _, e := range r.byRef {
		list = append(list, cloneAction(e.action))
	}
	r.mu.RUnlock()

	slices.SortFunc(list, func(a, b Action) int {
		return cmp.Or(
			strings.Compare(a.Manifest.Name, b.Manifest.Name),
			CompareVersions(a.Manifest.Version, b.Manifest.Version),
		)
	})
	return list
}

// CompareVersions compares two semantic versions by Semantic Versioning
// 2.0.0 precedence and returns -1, 0 or +1.
func CompareVersions(a, b string) int {
	return semver.Compare("v"+a, "v"+b)
}

func (r *Registry) entry(ref string) (*entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.byRef[ref]
	return e, ok
}

// cloneAction copies the slices and raw schemas so that callers cannot
// change a published version.
func cloneAction(a Action) Action {
	m := &a.Manifest
	m.InputSchema = slices.Clone(m.InputSchema)
	m.OutputSchema = slices.Clone(m.OutputSchema)
	m.Capabilities.Hosts = slices.Clone(m.Capabilities.Hosts)
	m.Capabilities.Secrets = slices.Clone(m.Capabilities.Secrets)
	if a.Deprecated != nil {
		d := *a.Deprecated
		a.Deprecated = &d
	}
	return a
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

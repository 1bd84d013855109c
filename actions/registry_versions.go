package actions

import "fmt"

// Resolve returns the version that ref ("name@range") selects. An exact
// version is returned even when it is deprecated, so that pinned playbooks
// keep running. A range selects the highest version that matches it and
// is not deprecated. The error wraps ErrActionNotFound when nothing
// matches, and its message tells when only deprecated versions match.
func (r *Registry) Resolve(ref string) (*Action, error) {
	name, version, ok := SplitRef(ref)
	if !ok {
		return nil, fmt.Errorf("action %q is not name@version, such as \"ioc.extract@1.0.0\"", ref)
	}
	vr, err := ParseVersionRange(version)
	if err != nil {
		return nil, fmt.Errorf("action %q: %w", ref, err)
	}
	if vr.Exact() {
		a, ok := r.Lookup(ref)
		if !ok {
			return nil, fmt.Errorf("action %q: %w", ref, ErrActionNotFound)
		}
		return a, nil
	}

	versions := r.Versions(name)
	deprecated := 0
	for i := len(versions) - 1; i >= 0; i-- {
		a := &versions[i]
		if !vr.Match(a.Manifest.Version) {
			continue
		}
		if a.Deprecated != nil {
			deprecated++
			continue
		}
		return a, nil
	}
	if deprecated > 0 {
		return nil, fmt.Errorf("action %q: %w: all %d matching versions are deprecated; "+
			"pin one exactly or publish a new version",
			ref, ErrActionNotFound, deprecated)
	}
	return nil, fmt.Errorf("action %q: %w: no published version matches %q",
		ref, ErrActionNotFound, vr)
}

// Versions returns the published versions of the action name, oldest
// first, or nil when there are none.
func (r *Registry) Versions(name string) []Action {
	var list []Action
	for _, a := range r.List() {
		if a.Manifest.Name == name {
			list = append(list, a)
		}
	}
	return list
}

// Deprecate marks the version that ref ("name@version") names as
// deprecated, replacing an earlier deprecation. The error wraps
// ErrActionNotFound when the version is not registered.
func (r *Registry) Deprecate(ref string, d Deprecation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byRef[ref]
	if !ok {
		return fmt.Errorf("action %q: %w", ref, ErrActionNotFound)
	}
	updated := *e
	updated.action = cloneAction(e.action)
	updated.action.Deprecated = &d
	r.byRef[ref] = &updated
	return nil
}

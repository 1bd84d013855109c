package actions

import (
	"fmt"
	"strconv"
	"strings"
)

// VersionRange is the version part of an action reference: an exact
// semantic version, or a range that matches several release versions.
//
//	1.2.3            exactly 1.2.3, pre-releases included
//	^1.2.3, ^1.2, ^1 >=1.2.3 <2.0.0; for major 0, ^0.2.3 is <0.3.0
//	~1.2.3, ~1.2     >=1.2.3 <1.3.0; ~1 is >=1.0.0 <2.0.0
//	1.x, 1.2.x, 1.2  any version with that prefix
//	*, x, latest     any version
//
// A range other than an exact version never matches a pre-release.
type VersionRange struct {
	raw   string
	exact string // set for an exact version
	lower [3]int // inclusive
	upper [3]int // exclusive, when bound is set
	bound bool   // false for "*", "x" and "latest"
}

// ParseVersionRange parses the version part of an action reference, such
// as "1.2.3", "^1" or "latest".
func ParseVersionRange(s string) (*VersionRange, error) {
	if checkVersion(s) == nil {
		return &VersionRange{raw: s, exact: s}, nil
	}
	r := &VersionRange{raw: s}
	var err error
	switch {
	case s == "*" || s == "x" || s == "latest":
	case strings.HasPrefix(s, "^"):
		err = r.parseCaret(s[1:])
	case strings.HasPrefix(s, "~"):
		err = r.parseTilde(s[1:])
	default:
		err = r.parsePrefix(s)
	}
	if err != nil {
		return nil, fmt.Errorf("version range %q: %w; use 1.2.3, ^1, ~1.2, 1.x or latest", s, err)
	}
	return r, nil
}

// String returns the range as it was parsed.
func (r *VersionRange) String() string { return r.raw }

// Exact reports whether the range names one exact version.
func (r *VersionRange) Exact() bool { return r.exact != "" }

// Match reports whether version, a semantic version, lies in the range.
func (r *VersionRange) Match(version string) bool {
	if r.exact != "" {
		return CompareVersions(version, r.exact) == 0
	}
	v, ok := releaseParts(version)
	if !ok {
		return false
	}
	if compareParts(v, r.lower) < 0 {
		return false
	}
	return !r.bound || compareParts(v, r.upper) < 0
}

// parseCaret reads "^X[.Y[.Z]]": versions that do not change the leftmost
// non-zero part that was given.
func (r *VersionRange) parseCaret(s string) error {
	parts, n, err := partialVersion(s, false)
	if err != nil {
		return err
	}
	r.lower, r.bound = parts, true
	switch {
	case parts[0] > 0 || n == 1:
		r.upper = [3]int{parts[0] + 1, 0, 0}
	case parts[1] > 0 || n == 2:
		r.upper = [3]int{0, parts[1] + 1, 0}
	default:
		r.upper = [3]int{0, 0, parts[2] + 1}
	}
	return nil
}

// parseTilde reads "~X[.Y[.Z]]": patch updates when the minor part is
// given, minor updates otherwise.
func (r *VersionRange) parseTilde(s string) error {
	parts, n, err := partialVersion(s, false)
	if err != nil {
		return err
	}
	r.lower, r.bound = parts, true
	if n == 1 {
		r.upper = [3]int{parts[0] + 1, 0, 0}
	} else {
		r.upper = [3]int{parts[0], parts[1] + 1, 0}
	}
	return nil
}

// parsePrefix reads "X", "X.Y", "X.x" or "X.Y.x".
func (r *VersionRange) parsePrefix(s string) error {
	parts, n, err := partialVersion(s, true)
	if err != nil {
		return err
	}
	if n == 3 {
		return fmt.Errorf("%q is not a semantic version", s)
	}
	r.lower, r.bound = parts, true
	r.upper = parts
	r.upper[n-1]++
	return nil
}

// partialVersion parses one to three dot-separated numbers. With wildcard
// set, the parts after the first may end in "x" or "*", which stops the
// parse. It returns the numbers (missing ones are 0) and how many were
// given.
func partialVersion(s string, wildcard bool) ([3]int, int, error) {
	var parts [3]int
	fields := strings.Split(s, ".")
	if len(fields) > 3 {
		return parts, 0, fmt.Errorf("%q has more than three parts", s)
	}
	for i, f := range fields {
		if wildcard && i > 0 && (f == "x" || f == "*") && i == len(fields)-1 {
			return parts, i, nil
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || (len(f) > 1 && f[0] == '0') {
			return parts, 0, fmt.Errorf("%q is not a number", f)
		}
		parts[i] = n
	}
	return parts, len(fields), nil
}

// releaseParts returns the major, minor and patch numbers of a release
// version, or ok false for a pre-release or an invalid version.
func releaseParts(version string) ([3]int, bool) {
	if checkVersion(version) != nil {
		return [3]int{}, false
	}
	core, _, _ := strings.Cut(version, "+")
	if strings.Contains(core, "-") {
		return [3]int{}, false
	}
	parts, n, err := partialVersion(core, false)
	return parts, err == nil && n == 3
}

func compareParts(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// SplitRef splits an action reference "name@version" at its last "@". The
// version part may be a range. It returns ok false when either part is
// empty.
func SplitRef(ref string) (name, version string, ok bool) {
	i := strings.LastIndexByte(ref, '@')
	if i <= 0 || i == len(ref)-1 {
		return "", "", false
	}
	return ref[:i], ref[i+1:], true
}

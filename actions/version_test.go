package actions

import (
	"errors"
	"strings"
	"testing"
)

func TestVersionRange_Match(t *testing.T) {
	tests := []struct {
		rng   string
		match []string
		miss  []string
	}{
		{"1.2.3", []string{"1.2.3"}, []string{"1.2.4", "1.2.3-rc.1"}},
		{"2.0.0-rc.1", []string{"2.0.0-rc.1"}, []string{"2.0.0"}},
		{"^1", []string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0", "1.5.0-rc.1"}},
		{"^1.2", []string{"1.2.0", "1.7.0"}, []string{"1.1.9", "2.0.0"}},
		{"^1.2.3", []string{"1.2.3", "1.3.0"}, []string{"1.2.2", "2.0.0"}},
		{"^0.2.3", []string{"0.2.3", "0.2.9"}, []string{"0.3.0", "0.2.2"}},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.4"}},
		{"^0", []string{"0.0.1", "0.9.0"}, []string{"1.0.0"}},
		{"~1.2", []string{"1.2.0", "1.2.9"}, []string{"1.3.0", "1.1.0"}},
		{"~1.2.3", []string{"1.2.3", "1.2.4"}, []string{"1.2.2", "1.3.0"}},
		{"~1", []string{"1.0.0", "1.5.0"}, []string{"2.0.0"}},
		{"1.x", []string{"1.0.0", "1.9.0"}, []string{"2.0.0", "0.1.0"}},
		{"1.2.x", []string{"1.2.0", "1.2.7"}, []string{"1.3.0"}},
		{"1", []string{"1.0.0", "1.4.2"}, []string{"2.0.0"}},
		{"1.2", []string{"1.2.5"}, []string{"1.3.0"}},
		{"latest", []string{"0.0.1", "9.9.9"}, []string{"3.0.0-beta.1"}},
		{"*", []string{"1.0.0"}, []string{"1.0.0-alpha"}},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			r, err := ParseVersionRange(tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.match {
				if !r.Match(v) {
					t.Errorf("%q does not match %s", tt.rng, v)
				}
			}
			for _, v := range tt.miss {
				if r.Match(v) {
					t.Errorf("%q matches %s", tt.rng, v)
				}
			}
		})
	}
}

func TestParseVersionRange_Rejects(t *testing.T) {
	for _, s := range []string{"", "^", "~", "v1", "1.2.3.4", "^1.x", "01.2", ">=1.0.0", "1.x.x", "newest"} {
		t.Run(s, func(t *testing.T) {
			_, err := ParseVersionRange(s)
			if err == nil {
				t.Fatalf("ParseVersionRange(%q) succeeded", s)
			}
			if !strings.Contains(err.Error(), "use 1.2.3, ^1, ~1.2, 1.x or latest") {
				t.Errorf("error %q does not list the accepted forms", err)
			}
		})
	}
}

func TestRegistry_Resolve(t *testing.T) {
	r := NewRegistry()
	for _, v := range []string{"1.0.0", "1.2.0", "1.3.0-rc.1", "1.4.0", "2.0.0", "2.1.0", "0.3.1"} {
		if err := r.Add(actionVersion("hash.crc32", v, shaA)); err != nil {
			t.Fatal(err)
		}
	}
	deprecate := func(ref string) {
		t.Helper()
		if err := r.Deprecate(ref, Deprecation{Message: "use 2.0.0"}); err != nil {
			t.Fatal(err)
		}
	}
	deprecate("hash.crc32@1.4.0")
	deprecate("hash.crc32@2.1.0")
	deprecate("hash.crc32@0.3.1")

	tests := []struct {
		ref  string
		want string // resolved version, or "" for an error
		err  string
	}{
		{ref: "hash.crc32@^1", want: "1.2.0"},
		{ref: "hash.crc32@~1.2", want: "1.2.0"},
		{ref: "hash.crc32@1.x", want: "1.2.0"},
		{ref: "hash.crc32@latest", want: "2.0.0"},
		{ref: "hash.crc32@2", want: "2.0.0"},
		{ref: "hash.crc32@1.4.0", want: "1.4.0"},
		{ref: "hash.crc32@1.3.0-rc.1", want: "1.3.0-rc.1"},
		{ref: "hash.crc32@^0.3", err: "all 1 matching versions are deprecated"},
		{ref: "hash.crc32@^3", err: `no published version matches "^3"`},
		{ref: "hash.crc32@9.9.9", err: "action not found"},
		{ref: "hash.md5@latest", err: `no published version matches "latest"`},
		{ref: "hash.crc32", err: "is not name@version"},
		{ref: "hash.crc32@>1", err: `version range ">1"`},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			a, err := r.Resolve(tt.ref)
			if tt.want != "" {
				if err != nil {
					t.Fatal(err)
				}
				if a.Manifest.Version != tt.want {
					t.Errorf("resolved %s, want %s", a.Manifest.Version, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("resolved %s, want an error", a.Manifest.Ref())
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %q does not contain %q", err, tt.err)
			}
		})
	}
}

func TestRegistry_LookupActionAcceptsRanges(t *testing.T) {
	r := NewRegistry()
	if err := r.Add(actionVersion("hash.crc32", "1.2.0", shaA)); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := r.LookupAction("hash.crc32@^1"); !ok {
		t.Error("LookupAction(hash.crc32@^1) found nothing")
	}
	if _, _, ok := r.LookupAction("hash.crc32@^2"); ok {
		t.Error("LookupAction(hash.crc32@^2) found a version")
	}
}

func TestRegistry_DeprecateShowsInList(t *testing.T) {
	r := NewRegistry()
	if err := r.Add(actionVersion("hash.crc32", "1.0.0", shaA)); err != nil {
		t.Fatal(err)
	}
	err := r.Deprecate("hash.crc32@1.0.0", Deprecation{Message: "broken on empty input"})
	if err != nil {
		t.Fatal(err)
	}
	list := r.List()
	if len(list) != 1 || list[0].Deprecated == nil {
		t.Fatalf("List = %+v, want one deprecated version", list)
	}
	if got := list[0].Deprecated.Message; got != "broken on empty input" {
		t.Errorf("deprecation message = %q", got)
	}
	if a, ok := r.Lookup("hash.crc32@1.0.0"); !ok || a.Deprecated == nil {
		t.Error("Lookup lost the deprecated version or its deprecation")
	}

	err = r.Deprecate("hash.crc32@9.0.0", Deprecation{Message: "x"})
	if !errors.Is(err, ErrActionNotFound) {
		t.Errorf("Deprecate of a missing version: %v, want ErrActionNotFound", err)
	}
}

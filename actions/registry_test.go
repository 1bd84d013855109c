package actions

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/designer"
)

var _ designer.Catalog = (*Registry)(nil)

const (
	shaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func actionVersion(name, version, sha string) Action {
	m := validManifest()
	m.Name, m.Version = name, version
	return Action{Manifest: m, SHA256: sha}
}

func TestRegistry_AddAndLookup(t *testing.T) {
	r := NewRegistry()
	if err := r.Add(actionVersion("ioc.extract", "1.0.0", shaA)); err != nil {
		t.Fatal(err)
	}
	a, ok := r.Lookup("ioc.extract@1.0.0")
	if !ok || a.SHA256 != shaA {
		t.Fatalf("Lookup = %+v, %v", a, ok)
	}
	if _, ok := r.Lookup("ioc.extract@2.0.0"); ok {
		t.Error("Lookup of an unknown version succeeded")
	}

	in, out, ok := r.LookupAction("ioc.extract@1.0.0")
	if !ok || string(in) != `{"type":"object"}` || string(out) != `{"type":"object"}` {
		t.Errorf("LookupAction = %s, %s, %v", in, out, ok)
	}

	// A caller cannot change the published version through the copy.
	a.Manifest.Capabilities.Hosts[0] = "changed.example"
	again, _ := r.Lookup("ioc.extract@1.0.0")
	if again.Manifest.Capabilities.Hosts[0] != "api.example" {
		t.Errorf("published hosts changed to %v", again.Manifest.Capabilities.Hosts)
	}
}

func TestRegistry_AddRejects(t *testing.T) {
	r := NewRegistry()
	if err := r.Add(actionVersion("ioc.extract", "1.0.0", shaA)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		action Action
		is     error
		want   string
	}{
		{"same version other module", actionVersion("ioc.extract", "1.0.0", shaB), ErrVersionExists, "ioc.extract@1.0.0"},
		{"invalid manifest", actionVersion("Bad", "1.0.0", shaB), ErrInvalidManifest, "name:"},
		{"bad sha", actionVersion("ioc.extract", "1.0.1", "ABC"), nil, "not 64 lowercase hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Add(tt.action)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add = %v, want error containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Add = %v, want errors.Is %v", err, tt.is)
			}
		})
	}
	if err := r.Add(actionVersion("ioc.extract", "1.0.0", shaA)); err != nil {
		t.Errorf("adding the same module again = %v, want nil", err)
	}
}

func TestRegistry_ListSorted(t *testing.T) {
	r := NewRegistry()
	for _, a := range []Action{
		actionVersion("list.match", "1.0.0", shaA),
		actionVersion("ioc.extract", "1.10.0", shaA),
		actionVersion("ioc.extract", "1.2.0", shaA),
		actionVersion("ioc.extract", "1.2.0-beta.1", shaA),
	} {
		if err := r.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, a := range r.List() {
		got = append(got, a.Manifest.Ref())
	}
	want := "ioc.extract@1.2.0-beta.1 ioc.extract@1.2.0 ioc.extract@1.10.0 list.match@1.0.0"
	if strings.Join(got, " ") != want {
		t.Errorf("List = %v, want %s", got, want)
	}
}

func TestRegistry_ConcurrentUse(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			v := "1.0." + string(rune('0'+i))
			if err := r.Add(actionVersion("ioc.extract", v, shaA)); err != nil {
				t.Error(err)
			}
			r.Lookup("ioc.extract@" + v)
			r.List()
		})
	}
	wg.Wait()
	if n := len(r.List()); n != 8 {
		t.Errorf("List has %d versions, want 8", n)
	}
}

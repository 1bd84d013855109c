package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// testModule is a module built for the tests, with its manifest.
type testModule struct {
	manifest actions.Manifest
	bytes    []byte
	sha256   string
}

var (
	// builtModules holds the modules TestMain builds, by action name.
	builtModules = map[string]testModule{}
	// sharedCacheDir is a compilation cache shared by tests, so that each
	// module is compiled once for the whole package.
	sharedCacheDir string
)

// moduleSources are the Go main packages TestMain builds, relative to this
// package, each with the manifests of the actions that it serves.
var moduleSources = []struct {
	pkg       string
	manifests []string
}{
	{"../../actions/builtin/bundle", []string{
		"../../actions/builtin/iocextract/manifest.json",
		"../../actions/builtin/listmatch/manifest.json",
		"../../actions/builtin/httprequest/manifest.json",
	}},
	{"testdata/hostile", []string{"testdata/hostile/manifest.json"}},
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wasm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedCacheDir = filepath.Join(dir, "cache")

	for _, src := range moduleSources {
		mods, err := buildModule(src.pkg, src.manifests, dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", src.pkg, err)
			return 1
		}
		for _, mod := range mods {
			builtModules[mod.manifest.Name] = mod
		}
	}
	return m.Run()
}

// buildModule builds the main package in pkg for wasip1 and returns it
// once for each of its manifests.
func buildModule(pkg string, manifests []string, dir string) ([]testModule, error) {
	out := filepath.Join(dir, filepath.Base(pkg)+".wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./"+pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(bin)

	var mods []testModule
	for _, path := range manifests {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		manifest, err := actions.ParseManifest(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		mods = append(mods, testModule{manifest: *manifest, bytes: bin, sha256: hex.EncodeToString(sum[:])})
	}
	return mods, nil
}

// newTestHost returns a Host with every built module registered. The
// config's Registry and Modules are set here, and CacheDir defaults to
// the shared cache.
func newTestHost(t *testing.T, cfg Config) *Host {
	t.Helper()
	reg := actions.NewRegistry()
	mods := StaticModules{}
	for _, m := range builtModules {
		if err := reg.Add(actions.Action{Manifest: m.manifest, SHA256: m.sha256}); err != nil {
			t.Fatal(err)
		}
		mods[m.sha256] = m.bytes
	}
	cfg.Registry, cfg.Modules = reg, mods
	if cfg.CacheDir == "" {
		cfg.CacheDir = sharedCacheDir
	}
	if cfg.Resolver == nil {
		cfg.Resolver = testResolver{"localhost": "127.0.0.1"}
	}
	h, err := NewHost(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	recordDials(t, h)
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// invoke calls ref with input and collects the log lines.
func invoke(t *testing.T, h *Host, ref, input string) (json.RawMessage, []string, error) {
	t.Helper()
	var lines []string
	out, err := h.Invoke(t.Context(), runtime.ActionCall{
		Action:         ref,
		Input:          json.RawMessage(input),
		RunID:          "run-1",
		StepID:         "step-1",
		IdempotencyKey: "step-1/1",
		Log:            func(line string) { lines = append(lines, line) },
	})
	return out, lines, err
}

// wantCode fails the test unless err is a *runtime.ActionError with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	aerr, ok := err.(*runtime.ActionError)
	if !ok {
		t.Fatalf("error = %v (%T), want *runtime.ActionError with code %q", err, err, code)
	}
	if aerr.Code != code {
		t.Fatalf("code = %q (message %q), want %q", aerr.Code, aerr.Message, code)
	}
}

// testResolver resolves the names it holds and fails for any other, so
// that no test sends a DNS query.
type testResolver map[string]string

func (r testResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ip, ok := r[host]
	if !ok {
		return nil, fmt.Errorf("test resolver: no address for %q", host)
	}
	return []netip.Addr{netip.MustParseAddr(ip)}, nil
}

// dialLog records the addresses that a Host dials.
type dialLog struct {
	mu        sync.Mutex
	addresses []string
}

func (d *dialLog) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.addresses)
}

// recordDials replaces the dialer of h with one that records each address
// and fails the test, without dialing, for any address but 127.0.0.1.
func recordDials(t testing.TB, h *Host) *dialLog {
	t.Helper()
	log := &dialLog{}
	var dialer net.Dialer
	dial := dialFunc(func(ctx context.Context, network, address string) (net.Conn, error) {
		log.mu.Lock()
		log.addresses = append(log.addresses, address)
		log.mu.Unlock()
		if host, _, err := net.SplitHostPort(address); err != nil || host != "127.0.0.1" {
			t.Errorf("host dialed %s, want only 127.0.0.1", address)
			return nil, fmt.Errorf("test dialer: %s is not 127.0.0.1", address)
		}
		return dialer.DialContext(ctx, network, address)
	})
	h.dial.Store(&dial)
	return log
}

package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/actions"
)

// extraBuild is the set of modules built on first use by the reactor
// tests and the benchmarks, by action name.
var extraBuild struct {
	once          sync.Once
	err           error
	reactor       map[string]testModule // the reactor test module and the C module
	bundle        map[string]testModule // the bundle built as a command module
	reactorBundle map[string]testModule // the bundle built as a reactor module
}

// extraModules builds the reactor test module and both builds of the
// bundle into the directory that TestMain removes.
func extraModules(tb testing.TB) (reactor, bundle, reactorBundle map[string]testModule) {
	tb.Helper()
	extraBuild.once.Do(func() {
		extraBuild.err = buildExtraModules(filepath.Dir(sharedCacheDir))
	})
	if extraBuild.err != nil {
		tb.Fatal(extraBuild.err)
	}
	return extraBuild.reactor, extraBuild.bundle, extraBuild.reactorBundle
}

func buildExtraModules(dir string) error {
	bundleManifests, err := filepath.Glob("../../actions/builtin/*/manifest*.json")
	if err != nil {
		return err
	}
	reactorManifests, err := filepath.Glob("testdata/reactor/manifest*.json")
	if err != nil {
		return err
	}
	builds := []struct {
		pkg, mode string
		manifests []string
		into      *map[string]testModule
	}{
		{"testdata/reactor", "c-shared", reactorManifests, &extraBuild.reactor},
		{"../../actions/builtin/bundle", "exe", bundleManifests, &extraBuild.bundle},
		{"../../actions/builtin/bundle", "c-shared", bundleManifests, &extraBuild.reactorBundle},
	}
	for _, b := range builds {
		out := filepath.Join(dir, filepath.Base(b.pkg)+"-"+b.mode+".wasm")
		if err := goBuild(b.pkg, b.mode, out); err != nil {
			return fmt.Errorf("build %s: %w", b.pkg, err)
		}
		bin, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		if *b.into, err = withManifests(bin, b.manifests); err != nil {
			return err
		}
	}

	bin, err := os.ReadFile("testdata/cecho/echo.wasm")
	if err != nil {
		return err
	}
	cmods, err := withManifests(bin, []string{"testdata/cecho/manifest.json"})
	for name, m := range cmods {
		extraBuild.reactor[name] = m
	}
	return err
}

// goBuild builds the main package pkg for wasip1 with -buildmode=mode.
func goBuild(pkg, mode, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode="+mode, "-o", out, "./"+pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, b)
	}
	return nil
}

// withManifests returns bin once for each manifest file, by action name.
func withManifests(bin []byte, manifests []string) (map[string]testModule, error) {
	mods := map[string]testModule{}
	for _, path := range manifests {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		m, err := actions.ParseManifest(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		mods[m.Name] = testModule{manifest: *m, bytes: bin, sha256: sha256Hex(bin)}
	}
	return mods, nil
}

// newHostWith returns a Host that serves exactly mods.
func newHostWith(tb testing.TB, cfg Config, mods map[string]testModule) *Host {
	tb.Helper()
	reg := actions.NewRegistry()
	source := StaticModules{}
	for _, m := range mods {
		if err := reg.Add(actions.Action{Manifest: m.manifest, SHA256: m.sha256}); err != nil {
			tb.Fatal(err)
		}
		source[m.sha256] = m.bytes
	}
	cfg.Registry, cfg.Modules = reg, source
	if cfg.CacheDir == "" {
		cfg.CacheDir = sharedCacheDir
	}
	if cfg.Resolver == nil {
		cfg.Resolver = testResolver{"localhost": "127.0.0.1"}
	}
	h, err := NewHost(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	recordDials(tb, h)
	tb.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return h
}

// probeOutput is the output of the reactor test module.
type probeOutput struct {
	Calls      int    `json:"calls"`
	Secret     string `json:"secret"`
	LastSecret string `json:"last_secret"`
}

func invokeProbe(t *testing.T, h *Host, mode string) probeOutput {
	t.Helper()
	out, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"`+mode+`"}`)
	if err != nil {
		t.Fatalf("Invoke %s: %v", mode, err)
	}
	var got probeOutput
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestHost_ReactorDetected(t *testing.T) {
	reactor, bundle, reactorBundle := extraModules(t)
	tests := []struct {
		name   string
		module testModule
		want   bool
	}{
		{"reactor test module", reactor["test.reactor"], true},
		{"bundle as reactor", reactorBundle["ioc.extract"], true},
		{"bundle as command", bundle["ioc.extract"], false},
		{"C command module", reactor["test.c_echo"], false},
	}
	h := newHostWith(t, Config{}, reactor)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := h.runtime(t.Context(), DefaultMemoryMiB<<4)
			if err != nil {
				t.Fatal(err)
			}
			m, err := r.CompileModule(t.Context(), tt.module.bytes)
			if err != nil {
				t.Fatal(err)
			}
			if got := isReactor(m); got != tt.want {
				t.Errorf("isReactor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHost_ReactorReusesInstance(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{}, reactor)
	for want := 1; want <= 3; want++ {
		if got := invokeProbe(t, h, "echo"); got.Calls != want {
			t.Errorf("call %d: calls = %d, want %d", want, got.Calls, want)
		}
	}
	if n := h.reactorStarts.Load(); n != 1 {
		t.Errorf("reactor instances started = %d, want 1", n)
	}
}

func TestHost_ReactorMaxCalls(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{ReactorMaxCalls: 3}, reactor)
	var calls []int
	for range 7 {
		calls = append(calls, invokeProbe(t, h, "echo").Calls)
	}
	if want := []int{1, 2, 3, 1, 2, 3, 1}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("calls per instance = %v, want %v", calls, want)
	}
	if n := h.reactorStarts.Load(); n != 3 {
		t.Errorf("reactor instances started = %d, want 3", n)
	}
}

func TestHost_ReactorPoolDisabled(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{ReactorPoolSize: -1}, reactor)
	for range 3 {
		if got := invokeProbe(t, h, "echo"); got.Calls != 1 {
			t.Errorf("calls = %d, want 1 in a new instance", got.Calls)
		}
	}
}

// TestHost_ReactorDiscardsAfterFailure checks that an instance whose call
// failed in any way never serves another call.
func TestHost_ReactorDiscardsAfterFailure(t *testing.T) {
	reactor, _, _ := extraModules(t)
	tests := []struct {
		mode string
		code string
	}{
		{"loop", CodeTimeout},
		{"exit", CodeExitStatus},
		{"fail", "probe_failed"},
		{"nonsense", "unknown_mode"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			h := newHostWith(t, Config{Timeout: timeoutForTests}, reactor)
			if got := invokeProbe(t, h, "echo"); got.Calls != 1 {
				t.Fatalf("first call: calls = %d, want 1", got.Calls)
			}

			_, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"`+tt.mode+`"}`)
			wantCode(t, err, tt.code)

			if got := invokeProbe(t, h, "echo"); got.Calls != 1 {
				t.Errorf("call after %s: calls = %d, want 1 in a new instance", tt.mode, got.Calls)
			}
			if n := h.reactorStarts.Load(); n != 2 {
				t.Errorf("reactor instances started = %d, want 2", n)
			}
		})
	}
}

// timeoutForTests bounds the looping call of the reactor test module.
const timeoutForTests = 500 * time.Millisecond

func TestHost_ReactorSecretsNotKept(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{Secrets: staticSecrets{"first": "s1-value", "second": "s2-value"}}, reactor)

	var outputs []probeOutput
	for _, stored := range []string{"first", "second"} {
		out, _, err := invokeGranted(t, h, "test.reactor_secret@1.0.0", `{"mode":"echo"}`,
			map[string]string{"token": stored})
		if err != nil {
			t.Fatalf("Invoke with %s: %v", stored, err)
		}
		var got probeOutput
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, got)
	}

	second := outputs[1]
	if second.LastSecret != "" {
		t.Errorf("second call saw the secret %q of the first", second.LastSecret)
	}
	if second.Calls != 1 {
		t.Errorf("second call: calls = %d, want 1 in a new instance", second.Calls)
	}
	if n := h.pool.idleCount(poolKey{
		sha256: reactor["test.reactor_secret"].sha256, pages: 48 << 4, action: "test.reactor_secret@1.0.0",
	}); n != 0 {
		t.Errorf("idle instances after calls with secrets = %d, want 0", n)
	}
}

func TestHost_ReactorPoolPerActionVersion(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{}, reactor)
	invokeProbe(t, h, "echo")

	// The same module under another action name gets its own instance.
	out, _, err := invokeGranted(t, h, "test.reactor_secret@1.0.0", `{"mode":"echo"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got probeOutput
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Calls != 1 {
		t.Errorf("test.reactor_secret: calls = %d, want 1 in its own instance", got.Calls)
	}
	if got := invokeProbe(t, h, "echo"); got.Calls != 2 {
		t.Errorf("test.reactor: calls = %d, want 2", got.Calls)
	}
}

func TestHost_ReactorPoolBoundedUnderConcurrency(t *testing.T) {
	reactor, _, _ := extraModules(t)
	h := newHostWith(t, Config{ReactorPoolSize: 2}, reactor)

	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			_, _, err := invoke(t, h, "test.reactor@1.0.0", `{"mode":"sleep"}`)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
	}

	key := poolKey{sha256: reactor["test.reactor"].sha256, pages: 48 << 4, action: "test.reactor@1.0.0"}
	if n := h.pool.idleCount(key); n > 2 {
		t.Errorf("idle instances = %d, want at most 2", n)
	}
}

// TestHost_ReactorMatchesCommand calls every bundled action that needs no
// outside service through the command build and the reactor build of the
// bundle and compares the results.
func TestHost_ReactorMatchesCommand(t *testing.T) {
	_, bundle, reactorBundle := extraModules(t)
	command := newHostWith(t, Config{}, bundle)
	reactor := newHostWith(t, Config{}, reactorBundle)

	for _, tt := range bundledInputs(t) {
		t.Run(tt.action, func(t *testing.T) {
			ref := tt.action + "@1.0.0"
			want, _, wantErr := invoke(t, command, ref, tt.input)
			got, _, gotErr := invoke(t, reactor, ref, tt.input)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("reactor error = %v, command error = %v", gotErr, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("reactor output = %s\ncommand output = %s", got, want)
			}
			if wantErr != nil {
				t.Errorf("command call failed: %v", wantErr)
			}
		})
	}
	if n := reactor.reactorStarts.Load(); n == 0 {
		t.Error("the reactor build started no reactor instance")
	}
}

type bundledInput struct{ action, input string }

// bundledInputs returns an input for each bundled action that reaches no
// host, two of them built from the phishing report sample.
func bundledInputs(t *testing.T) []bundledInput {
	t.Helper()
	raw, err := os.ReadFile("../../actions/builtin/testdata/phishing-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Body         string `json:"body"`
		RawEMLBase64 string `json:"raw_eml_base64"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	text, _ := json.Marshal(map[string]string{"text": report.Body})
	eml, _ := json.Marshal(map[string]string{"eml_base64": report.RawEMLBase64})

	return []bundledInput{
		{"domain.parse", `{"domain":"login.paypa1-secure.example"}`},
		{"email.parse", string(eml)},
		{"hash.compute", `{"text":"abc","algorithms":["md5","sha256"]}`},
		{"ioc.defang", `{"text":"Click https://paypa1-secure.example/verify?id=3f9a7c"}`},
		{"ioc.extract", string(text)},
		{"ioc.refang", `{"text":"Click hxxps://paypa1-secure[.]example/verify?id=3f9a7c"}`},
		{"ip.classify", `{"ip":"203.0.113.9","cidrs":["203.0.113.0/24"]}`},
		{"json.transform", `{"data":{"alert":{"host":{"name":"ws-17"}}},"flatten":true}`},
		{"list.match", `{"indicators":["paypa1-secure.example"],"list":["paypa1-secure.example"]}`},
		{"regex.extract", `{"pattern":"id=([0-9a-f]+)","text":"verify?id=3f9a7c"}`},
		{"url.parse", `{"url":"hxxps://login.paypa1-secure[.]example/verify?id=3f9a7c"}`},
	}
}

func TestHost_ReactorSecretGetNotKept(t *testing.T) {
	reactor, _, _ := extraModules(t)
	// An empty value leaves the request without a secret value, so only
	// the secret_get read decides whether the instance is kept.
	grants := map[string]string{"token": "empty"}
	tests := []struct {
		mode      string
		wantCalls int // calls of the instance that served the second call
	}{
		{"echo", 2},
		{"secret_get", 1},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			h := newHostWith(t, Config{Secrets: staticSecrets{"empty": ""}}, reactor)
			var got probeOutput
			for range 2 {
				out, _, err := invokeGranted(t, h, "test.reactor_secret@1.0.0",
					`{"mode":"`+tt.mode+`"}`, grants)
				if err != nil {
					t.Fatalf("Invoke: %v", err)
				}
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
			}
			if got.Calls != tt.wantCalls {
				t.Errorf("second call: calls = %d, want %d", got.Calls, tt.wantCalls)
			}
		})
	}
}

package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/runtime/wasm"
)

// buildBundle runs the build tool into a temporary directory and loads
// what it wrote.
func buildBundle(t *testing.T) []Bundle {
	t.Helper()
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "run", "./build", "-src", ".", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build tool: %v: %s", err, b)
	}
	bundles, err := load(os.DirFS(out), ".")
	if err != nil {
		t.Fatal(err)
	}
	return bundles
}

// newBundleHost returns a wasm Host with every bundle registered.
func newBundleHost(t *testing.T, bundles []Bundle) *wasm.Host {
	t.Helper()
	reg := actions.NewRegistry()
	for _, b := range bundles {
		if err := reg.Add(b.Action()); err != nil {
			t.Fatal(err)
		}
	}
	modules := wasm.StaticModules{bundles[0].SHA256: bundles[0].Module}
	h, err := wasm.NewHost(t.Context(), wasm.Config{Registry: reg, Modules: modules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func invoke(t *testing.T, h *wasm.Host, ref string, input any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(t.Context(), runtime.ActionCall{Action: ref, Input: raw, RunID: "run-1", StepID: "step-1"})
	if err != nil {
		t.Fatalf("Invoke %s: %v", ref, err)
	}
	return out
}

// TestBundle_InvokeThroughHost builds bundle.wasm and calls two of its
// actions through the WebAssembly host, which checks each input and
// output against the action's schemas.
func TestBundle_InvokeThroughHost(t *testing.T) {
	bundles := buildBundle(t)
	h := newBundleHost(t, bundles)

	report, err := os.ReadFile("testdata/phishing-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample struct {
		RawEMLBase64 string `json:"raw_eml_base64"`
	}
	if err := json.Unmarshal(report, &sample); err != nil {
		t.Fatal(err)
	}

	t.Run("email.parse", func(t *testing.T) {
		raw := invoke(t, h, "email.parse@1.0.0", map[string]string{"eml_base64": sample.RawEMLBase64})
		var out struct {
			Headers struct {
				Subject string `json:"subject"`
			} `json:"headers"`
			URLs           []string `json:"urls"`
			Authentication struct {
				DMARC string `json:"dmarc"`
			} `json:"authentication"`
			Attachments []struct {
				SHA256 string `json:"sha256"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		if out.Headers.Subject != "【重要】アカウントの確認が必要です" {
			t.Errorf("subject = %q", out.Headers.Subject)
		}
		if !slices.Contains(out.URLs, "https://paypa1-secure.example/verify?id=3f9a7c") {
			t.Errorf("urls = %q, want the phishing link", out.URLs)
		}
		if out.Authentication.DMARC != "fail" {
			t.Errorf("dmarc = %q, want fail", out.Authentication.DMARC)
		}
		if len(out.Attachments) != 1 ||
			out.Attachments[0].SHA256 != "839287f2b54d2ecd0df39b9c4df42ebba5150fe8354177539ebee10f92279fdf" {
			t.Errorf("attachments = %+v, want verification_form.zip", out.Attachments)
		}
	})

	t.Run("url.parse", func(t *testing.T) {
		raw := invoke(t, h, "url.parse@1.0.0", map[string]string{"url": "hxxps://login.paypa1-secure[.]example/verify?id=3f9a7c"})
		var out struct {
			RegisteredDomain string            `json:"registered_domain"`
			Query            map[string]string `json:"query"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		if out.RegisteredDomain != "paypa1-secure.example" || out.Query["id"] != "3f9a7c" {
			t.Errorf("url.parse = %s", raw)
		}
	})

	t.Run("schema rejects input", func(t *testing.T) {
		_, err := h.Invoke(t.Context(), runtime.ActionCall{
			Action: "hash.compute@1.0.0", Input: json.RawMessage(`{"text":"a","base64":"YQ=="}`),
		})
		var aerr *runtime.ActionError
		if !errors.As(err, &aerr) || aerr.Code != "invalid_input" {
			t.Errorf("Invoke = %v, want code invalid_input", err)
		}
	})
}

package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/server"
)

// minimalModule returns a valid WASI command module whose _start does
// nothing, with a custom section holding tag, so each tag gives other
// bytes.
func minimalModule(tag string) []byte {
	module := []byte("\x00asm\x01\x00\x00\x00")
	module = append(module, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00)      // type: func()
	module = append(module, 0x03, 0x02, 0x01, 0x00)                  // function 0 has type 0
	module = append(module, 0x07, 0x0a, 0x01, 0x06)                  // export "_start"
	module = append(module, "_start"...)                             //
	module = append(module, 0x00, 0x00)                              // of function 0
	module = append(module, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b)      // empty body
	module = append(module, 0x00, byte(1+len("tag")+len(tag)), 0x03) // custom section
	module = append(module, "tag"...)
	return append(module, tag...)
}

// testManifest returns a manifest of name@version with object schemas.
func testManifest(name, version string) []byte {
	return []byte(`{"abi":"v1","name":"` + name + `","version":"` + version + `",` +
		`"title":"Test action","input_schema":{"type":"object"},` +
		`"output_schema":{"type":"object"},"capabilities":{},"limits":{},"side_effects":false}`)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// publish sends one publish request and returns the status and body.
func (s *testServer) publish(t *testing.T, manifest, module []byte, signature string) apiResponse {
	t.Helper()
	body, contentType, err := publishBody(publishRequest{
		Manifest: manifest, Module: module, Signature: signature,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s.do(t, http.MethodPost, "/api/v1/actions", body, http.Header{"Content-Type": {contentType}})
}

// checkAPIError fails unless resp has the status and code and its message
// contains each of parts.
func checkAPIError(t *testing.T, resp apiResponse, status int, code string, parts ...string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d; body %s", resp.Status, status, resp.Body)
	}
	var e apiError
	if err := json.Unmarshal(resp.Body, &e); err != nil {
		t.Fatalf("decode %s: %v", resp.Body, err)
	}
	if e.Error.Code != code {
		t.Errorf("code = %q, want %q", e.Error.Code, code)
	}
	for _, part := range parts {
		if !strings.Contains(e.Error.Message, part) {
			t.Errorf("message %q does not contain %q", e.Error.Message, part)
		}
	}
}

func TestPublish_Statuses(t *testing.T) {
	srv := startServer(t)
	first, other := minimalModule("first"), minimalModule("other")
	manifest := testManifest("test.publish", "1.0.0")

	t.Run("new version", func(t *testing.T) {
		resp := srv.publish(t, manifest, first, "")
		if resp.Status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %s", resp.Status, resp.Body)
		}
		var a actions.Action
		if err := json.Unmarshal(resp.Body, &a); err != nil {
			t.Fatal(err)
		}
		if a.SHA256 != sha256Hex(first) {
			t.Errorf("sha256 = %s, want %s", a.SHA256, sha256Hex(first))
		}
	})
	t.Run("registered at once", func(t *testing.T) {
		var got actions.Action
		srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.publish/1.0.0", nil, http.StatusOK, &got)
		if got.SHA256 != sha256Hex(first) {
			t.Errorf("sha256 = %s, want %s", got.SHA256, sha256Hex(first))
		}
	})
	t.Run("same bytes", func(t *testing.T) {
		resp := srv.publish(t, manifest, first, "")
		if resp.Status != http.StatusOK {
			t.Errorf("status %d, want 200; body %s", resp.Status, resp.Body)
		}
	})
	t.Run("other bytes", func(t *testing.T) {
		resp := srv.publish(t, manifest, other, "")
		checkAPIError(t, resp, http.StatusConflict, "version_exists",
			"test.publish@1.0.0", sha256Hex(first), sha256Hex(other))
	})
	t.Run("invalid manifest", func(t *testing.T) {
		resp := srv.publish(t, testManifest("test.publish", "1.0"), first, "")
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "invalid_manifest", "version:", `"1.0"`)
	})
	t.Run("not wasm", func(t *testing.T) {
		resp := srv.publish(t, testManifest("test.publish", "1.1.0"), []byte("#!/bin/sh\necho hi\n"), "")
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "invalid_module", "not a WebAssembly binary")
	})
	t.Run("truncated wasm", func(t *testing.T) {
		resp := srv.publish(t, testManifest("test.publish", "1.1.0"), first[:20], "")
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "invalid_module", "does not compile")
	})
	t.Run("too large", func(t *testing.T) {
		huge := make([]byte, server.DefaultMaxModuleBytes+1)
		copy(huge, first)
		resp := srv.publish(t, testManifest("test.publish", "1.2.0"), huge, "")
		checkAPIError(t, resp, http.StatusRequestEntityTooLarge, "body_too_large", "32 MiB")
	})
	t.Run("missing module", func(t *testing.T) {
		resp := srv.publish(t, manifest, nil, "")
		checkAPIError(t, resp, http.StatusBadRequest, "bad_request", `missing part "module"`)
	})
	t.Run("not multipart", func(t *testing.T) {
		resp := srv.do(t, http.MethodPost, "/api/v1/actions", manifest, nil)
		checkAPIError(t, resp, http.StatusUnsupportedMediaType, "unsupported_media_type", "multipart")
	})
	t.Run("no token", func(t *testing.T) {
		body, contentType, _ := publishBody(publishRequest{Manifest: manifest, Module: first})
		resp := srv.do(t, http.MethodPost, "/api/v1/actions", body,
			http.Header{"Content-Type": {contentType}, "Authorization": {""}})
		checkAPIError(t, resp, http.StatusUnauthorized, "unauthorized")
	})
}

func TestPublish_DeprecateVersion(t *testing.T) {
	srv := startServer(t)
	for i, version := range []string{"1.0.0", "1.1.0"} {
		resp := srv.publish(t, testManifest("test.deprecate", version), minimalModule(version), "")
		if resp.Status != http.StatusCreated {
			t.Fatalf("publish %d: status %d; body %s", i, resp.Status, resp.Body)
		}
	}

	var latest actions.Action
	srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.deprecate/%5E1", nil, http.StatusOK, &latest)
	if latest.Manifest.Version != "1.1.0" {
		t.Errorf("^1 before deprecation = %s, want 1.1.0", latest.Manifest.Version)
	}

	var deprecated actions.Action
	srv.mustDo(t, http.MethodPost, "/api/v1/actions/test.deprecate/1.1.0/deprecate",
		[]byte(`{"message": "crashes on empty input; use 1.0.0"}`), http.StatusOK, &deprecated)
	if deprecated.Deprecated == nil || deprecated.Deprecated.Message != "crashes on empty input; use 1.0.0" {
		t.Errorf("deprecation = %+v", deprecated.Deprecated)
	}
	if deprecated.Deprecated != nil && deprecated.Deprecated.By != "admin" {
		t.Errorf("deprecated by %q, want admin", deprecated.Deprecated.By)
	}

	var versions []actions.Action
	srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.deprecate", nil, http.StatusOK, &versions)
	if len(versions) != 2 || versions[0].Deprecated != nil || versions[1].Deprecated == nil {
		t.Errorf("versions = %+v, want 1.0.0 current and 1.1.0 deprecated", versions)
	}
	srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.deprecate/%5E1", nil, http.StatusOK, &latest)
	if latest.Manifest.Version != "1.0.0" {
		t.Errorf("^1 after deprecation = %s, want 1.0.0", latest.Manifest.Version)
	}
	var pinned actions.Action
	srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.deprecate/1.1.0", nil, http.StatusOK, &pinned)
	if pinned.Deprecated == nil {
		t.Error("the deprecated version is no longer returned with its deprecation")
	}

	resp := srv.do(t, http.MethodPost, "/api/v1/actions/test.deprecate/1.0.0/deprecate", []byte(`{}`), nil)
	checkAPIError(t, resp, http.StatusUnprocessableEntity, "bad_request", "missing message")
	resp = srv.do(t, http.MethodPost, "/api/v1/actions/test.deprecate/9.0.0/deprecate",
		[]byte(`{"message": "gone"}`), nil)
	checkAPIError(t, resp, http.StatusNotFound, "not_found", "test.deprecate@9.0.0")
	resp = srv.do(t, http.MethodPost, "/api/v1/actions/test.deprecate/%5E1/deprecate",
		[]byte(`{"message": "all"}`), nil)
	checkAPIError(t, resp, http.StatusBadRequest, "bad_request", "not an exact version")
	resp = srv.do(t, http.MethodGet, "/api/v1/actions/test.missing", nil, nil)
	checkAPIError(t, resp, http.StatusNotFound, "not_found", "test.missing")
}

func TestPublish_Signatures(t *testing.T) {
	trustedPub, trustedPriv, _ := ed25519.GenerateKey(nil)
	_, strangerPriv, _ := ed25519.GenerateKey(nil)
	keys, err := actions.ParseTrustedKeys([]byte(base64.StdEncoding.EncodeToString(trustedPub)))
	if err != nil {
		t.Fatal(err)
	}
	srv := startServerWith(t, func(cfg *config) {
		cfg.TrustedKeys = keys
		cfg.RequireSignatures = true
	})
	module := minimalModule("signed")
	manifest := testManifest("test.signed", "1.0.0")

	t.Run("unsigned", func(t *testing.T) {
		resp := srv.publish(t, manifest, module, "")
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "signature_required", "--key")
	})
	t.Run("untrusted key", func(t *testing.T) {
		resp := srv.publish(t, manifest, module, actions.SignModule(strangerPriv, module))
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "untrusted_signature", sha256Hex(module))
	})
	t.Run("signature of other module", func(t *testing.T) {
		resp := srv.publish(t, manifest, module, actions.SignModule(trustedPriv, minimalModule("x")))
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "untrusted_signature")
	})
	t.Run("malformed signature", func(t *testing.T) {
		resp := srv.publish(t, manifest, module, "bm90IGEgc2lnbmF0dXJl")
		checkAPIError(t, resp, http.StatusUnprocessableEntity, "invalid_signature")
	})
	t.Run("trusted key", func(t *testing.T) {
		resp := srv.publish(t, manifest, module, actions.SignModule(trustedPriv, module))
		if resp.Status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %s", resp.Status, resp.Body)
		}
		var a actions.Action
		if err := json.Unmarshal(resp.Body, &a); err != nil {
			t.Fatal(err)
		}
		if want := base64.StdEncoding.EncodeToString(trustedPub); a.SignedBy != want {
			t.Errorf("signed_by = %q, want %q", a.SignedBy, want)
		}
	})
	t.Run("signer stored", func(t *testing.T) {
		var a actions.Action
		srv.mustDo(t, http.MethodGet, "/api/v1/actions/test.signed/1.0.0", nil, http.StatusOK, &a)
		if a.SignedBy == "" {
			t.Error("GET returns no signed_by for a signed version")
		}
	})
}

func TestServeFlags_Signatures(t *testing.T) {
	keyFile := t.TempDir() + "/trusted"
	pub, _, _ := ed25519.GenerateKey(nil)
	text := "# release key\n" + base64.StdEncoding.EncodeToString(pub) + " # ci\n"
	if err := writeNewFile(keyFile, text, 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }

	cfg, err := parseServeFlags([]string{"--trusted-keys", keyFile, "--require-signatures"},
		getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TrustedKeys.Len() != 1 || !cfg.RequireSignatures {
		t.Errorf("keys %d, require %v; want 1 key and required", cfg.TrustedKeys.Len(), cfg.RequireSignatures)
	}

	_, err = parseServeFlags([]string{"--require-signatures"}, getenv, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "needs --trusted-keys") {
		t.Errorf("--require-signatures alone: %v, want an error naming --trusted-keys", err)
	}
}

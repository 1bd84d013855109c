package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/updraftsoar/updraft/actions"
)

// publishTimeout bounds one upload, which carries a module of up to 32 MiB.
const publishTimeout = 5 * time.Minute

// publishRequest is one upload to POST /api/v1/actions.
type publishRequest struct {
	Server    string // base URL, such as "http://127.0.0.1:8080"
	Token     string
	Manifest  []byte
	Module    []byte
	Signature string // base64; empty publishes an unsigned module
}

// publishResult is the server's response to a publish that succeeded.
type publishResult struct {
	Created bool // false when the same module was already published
	Action  actions.Action
}

func publishActionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("updraft action publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("UPDRAFT_SERVER", "http://127.0.0.1:8080"),
		"base `URL` of the Updraft server (default from UPDRAFT_SERVER)")
	token := fs.String("token", "", "API `token` of a developer or admin (default from UPDRAFT_TOKEN)")
	keyFile := fs.String("key", "", "private key `file` from `updraft action keygen` to sign the module with")
	moduleFile := fs.String("module", "", "module `file` (default DIR/<name>.wasm)")
	dir, err := parseWithDir(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if *token == "" {
		*token = os.Getenv("UPDRAFT_TOKEN")
	}

	req, err := readPublishFiles(dir, *moduleFile, *keyFile)
	if err != nil {
		return exitStatus(stderr, "updraft action publish", err)
	}
	req.Server, req.Token = *server, *token
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	res, err := publishModule(ctx, http.DefaultClient, req)
	if err != nil {
		return exitStatus(stderr, "updraft action publish", err)
	}
	printPublished(stdout, res)
	return 0
}

func printPublished(w io.Writer, res *publishResult) {
	ref := res.Action.Manifest.Ref()
	if res.Created {
		fmt.Fprintf(w, "published %s (module sha256 %s)\n", ref, res.Action.SHA256)
	} else {
		fmt.Fprintf(w, "%s was already published with this module (sha256 %s)\n", ref, res.Action.SHA256)
	}
	if res.Action.SignedBy != "" {
		fmt.Fprintf(w, "signed by %s\n", res.Action.SignedBy)
	}
}

// readPublishFiles reads DIR/manifest.json, the module and, with keyFile
// set, signs the module. It validates the manifest first, so that an
// invalid field is reported before the upload.
func readPublishFiles(dir, moduleFile, keyFile string) (publishRequest, error) {
	manifestPath := filepath.Join(dir, "manifest.json")
	manifestJSON, err := os.ReadFile(manifestPath)
	if err != nil {
		return publishRequest{}, err
	}
	manifest, err := actions.ParseManifest(manifestJSON)
	if err != nil {
		return publishRequest{}, fmt.Errorf("%s: %w", manifestPath, err)
	}
	if moduleFile == "" {
		moduleFile = filepath.Join(dir, manifest.Name+".wasm")
	}
	module, err := os.ReadFile(moduleFile)
	if err != nil {
		return publishRequest{}, fmt.Errorf("%w; run `updraft action build` or pass --module", err)
	}

	req := publishRequest{Manifest: manifestJSON, Module: module}
	if keyFile != "" {
		key, err := readPrivateKey(keyFile)
		if err != nil {
			return publishRequest{}, err
		}
		req.Signature = actions.SignModule(key, module)
	}
	return req, nil
}

// publishModule uploads one action version and returns the stored version.
// Each failure names its cause: an unreachable server, a rejected token, a
// version that exists with another module, or the server's reason for
// rejecting the manifest or module.
func publishModule(ctx context.Context, client *http.Client, req publishRequest) (*publishResult, error) {
	if req.Token == "" {
		return nil, errors.New("missing API token; pass --token or set UPDRAFT_TOKEN")
	}
	body, contentType, err := publishBody(req)
	if err != nil {
		return nil, err
	}
	url := strings.TrimSuffix(req.Server, "/") + "/api/v1/actions"
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", req.Server, err)
	}
	httpReq.Header.Set("Content-Type", contentType)
	httpReq.Header.Set("Authorization", "Bearer "+req.Token)

	resp, err := client.Do(httpReq)
	if err != nil {
		return nil, fmt.Errorf("server %s is unreachable: %w; check --server and that `updraft serve` runs",
			req.Server, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read the server's response: %w", err)
	}
	return decodePublishResponse(resp.StatusCode, respBody)
}

// publishBody encodes the multipart body of a publish request.
func publishBody(req publishRequest) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	parts := []struct {
		name, file string
		data       []byte
	}{
		{"manifest", "manifest.json", req.Manifest},
		{"module", "module.wasm", req.Module},
		{"signature", "", []byte(req.Signature)},
	}
	for _, p := range parts {
		if len(p.data) == 0 {
			continue
		}
		var part io.Writer
		var err error
		if p.file != "" {
			part, err = w.CreateFormFile(p.name, p.file)
		} else {
			part, err = w.CreateFormField(p.name)
		}
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(p.data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

func decodePublishResponse(status int, body []byte) (*publishResult, error) {
	if status == http.StatusOK || status == http.StatusCreated {
		res := &publishResult{Created: status == http.StatusCreated}
		if err := json.Unmarshal(body, &res.Action); err != nil {
			return nil, fmt.Errorf("decode the server's response: %w", err)
		}
		return res, nil
	}

	message := serverMessage(body)
	switch status {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("the server rejected the token (401 %s); pass --token or set UPDRAFT_TOKEN",
			message)
	case http.StatusForbidden:
		return nil, fmt.Errorf("the token may not publish actions (403 %s)", message)
	case http.StatusConflict:
		return nil, fmt.Errorf("version conflict (409): %s", message)
	}
	return nil, fmt.Errorf("the server rejected the action (%d): %s", status, message)
}

// serverMessage returns "code: message" from an API error body, or the
// start of the body when it is not one.
func serverMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		text := strings.TrimSpace(string(body))
		if len(text) > 200 {
			text = text[:200] + "..."
		}
		return text
	}
	return e.Error.Code + ": " + e.Error.Message
}

// parseWithDir parses flags that may come before or after one optional
// directory argument, which defaults to ".".
func parseWithDir(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	dir := "."
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", err
		}
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return dir, nil
}

// flagStatus returns 0 for -h and 2 for any other flag error, which the
// flag package has already printed.
func flagStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

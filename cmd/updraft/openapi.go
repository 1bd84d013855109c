package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/updraftsoar/updraft/server"
)

// fromOpenAPICommand runs `updraft action from-openapi SPEC --operation ID`.
func fromOpenAPICommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("updraft action from-openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var operations []string
	fs.Func("operation", "`operationId` to turn into an action; repeat it or separate ids with commas",
		func(v string) error {
			for id := range strings.SplitSeq(v, ",") {
				if id = strings.TrimSpace(id); id != "" {
					operations = append(operations, id)
				}
			}
			return nil
		})
	req := server.OpenAPIRequest{}
	fs.StringVar(&req.Server, "server", "", "base `URL` of the API (default the spec's first server)")
	fs.StringVar(&req.API, "api", "", "`name` between openapi. and the operation in action names "+
		"(default from info.title)")
	fs.StringVar(&req.Version, "version", "", "action `version` (default info.version when semantic, else 1.0.0)")
	fs.BoolVar(&req.Publish, "publish", false, "publish the actions; without it the manifests are printed")
	updraft := fs.String("updraft", envOr("UPDRAFT_SERVER", "http://127.0.0.1:8080"),
		"base `URL` of the Updraft server (default from UPDRAFT_SERVER)")
	token := fs.String("token", "", "API `token` of an admin (default from UPDRAFT_TOKEN)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: updraft action from-openapi SPEC --operation ID [--server URL] [--publish]")
		fmt.Fprintln(stderr, "\nSPEC is an OpenAPI 3.0 or 3.1 file in JSON or YAML, or - for stdin.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	specPath, err := parseWithDir(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if *token == "" {
		*token = os.Getenv("UPDRAFT_TOKEN")
	}
	req.Operations = operations

	err = fromOpenAPI(context.Background(), specPath, &req, *updraft, *token, stdout)
	return exitStatus(stderr, "updraft action from-openapi", err)
}

func fromOpenAPI(ctx context.Context, specPath string, req *server.OpenAPIRequest,
	baseURL, token string, stdout io.Writer) error {
	if specPath == "." {
		return errors.New("missing SPEC; give the OpenAPI file to read")
	}
	if len(req.Operations) == 0 {
		return errors.New("missing --operation; name the operationId to turn into an action")
	}
	if token == "" {
		return errors.New("missing API token; pass --token or set UPDRAFT_TOKEN")
	}
	spec, err := readSpecFile(specPath)
	if err != nil {
		return err
	}
	req.Spec = string(spec)

	resp, err := postOpenAPI(ctx, baseURL, token, req)
	if err != nil {
		return err
	}
	return printOpenAPI(stdout, req.Publish, resp)
}

func readSpecFile(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	spec, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return spec, nil
}

func postOpenAPI(ctx context.Context, baseURL, token string,
	req *server.OpenAPIRequest) (*server.OpenAPIResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	target := strings.TrimRight(baseURL, "/") + "/api/v1/actions/from-openapi"
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("--updraft %q: %w", baseURL, err)
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("Authorization", "Bearer "+token)
	httpResp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		return nil, fmt.Errorf("send to %s: %w", target, err)
	}
	defer httpResp.Body.Close()
	respBody, err := io.ReadAll(httpResp.Body)
	if err != nil {
		return nil, fmt.Errorf("read the server's response: %w", err)
	}
	if httpResp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the server rejected the request (%d): %s",
			httpResp.StatusCode, serverMessage(respBody))
	}
	var resp server.OpenAPIResponse
	if err := json.Unmarshal(respBody, &resp); err != nil {
		return nil, fmt.Errorf("decode the server's response: %w", err)
	}
	return &resp, nil
}

// printOpenAPI prints one line per published action, or the manifests as
// JSON when nothing was published.
func printOpenAPI(stdout io.Writer, published bool, resp *server.OpenAPIResponse) error {
	if !published {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		for _, r := range resp.Actions {
			if err := enc.Encode(r.Manifest); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range resp.Actions {
		state := "already published"
		if r.Created {
			state = "published"
		}
		m := r.Manifest
		fmt.Fprintf(stdout, "%s %s (hosts %s; secrets %s)\n", state, m.Ref(),
			strings.Join(m.Capabilities.Hosts, ", "), orNone(m.Capabilities.Secrets))
	}
	return nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

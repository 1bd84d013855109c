package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/updraftsoar/updraft/runtime"
)

// runHashCompute saves a playbook whose manual trigger leads to the action
// ref (hash.compute) over text, starts it and returns the ended run.
func (s *testServer) runHashCompute(t *testing.T, ref, text string) runWithSteps {
	t.Helper()
	playbook := fmt.Sprintf(`{"name": "Hash", "nodes": [
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "hash", "type": "action", "position": {"x": 0, "y": 0},
	 "settings": {"action": %q, "inputs": {"text": %q}}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0},
	 "settings": {"output": {"sha256": "${{ steps.hash.output.sha256 }}"}}}],
 "edges": [{"from": "start", "port": "success", "to": "hash"},
	{"from": "hash", "port": "success", "to": "done"}]}`, ref, text)
	var saved savedPlaybook
	s.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(playbook), http.StatusCreated, &saved)
	var started struct {
		RunID string `json:"run_id"`
	}
	s.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", nil, http.StatusAccepted, &started)
	s.followRun(t, started.RunID, 0)
	var run runWithSteps
	s.mustDo(t, http.MethodGet, "/api/v1/runs/"+started.RunID, nil, http.StatusOK, &run)
	return run
}

func TestServe_PortConflictCreatesNothing(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	dataDir := filepath.Join(t.TempDir(), "data")
	cfg := config{Addr: taken.Addr().String(), DataDir: dataDir, LogFormat: "text", LogOutput: io.Discard}
	err = serve(t.Context(), cfg, io.Discard, func(string) { t.Error("server started on a taken port") })
	if err == nil || !strings.Contains(err.Error(), "listen on "+cfg.Addr) {
		t.Fatalf("serve error = %v, want a listen error naming %s", err, cfg.Addr)
	}
	if _, statErr := os.Stat(dataDir); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("data directory %s exists after the failed start (stat error %v)", dataDir, statErr)
	}
}

func TestServeFlags_BodyLimits(t *testing.T) {
	cases := []struct {
		name        string
		args        []string
		wantWebhook int64
		wantOutput  int64
		wantErr     string
	}{
		{"defaults", nil, 1 << 20, 1 << 20, ""},
		{"smaller webhook body", []string{"--max-webhook-body", "512KiB"}, 512 << 10, 1 << 20, ""},
		{"webhook follows step output", []string{"--max-step-output", "4MiB"}, 4 << 20, 4 << 20, ""},
		{"both in bytes", []string{"--max-step-output", "3000", "--max-webhook-body", "2000"},
			2000, 3000, ""},
		{"webhook over step output", []string{"--max-webhook-body", "2MiB"}, 0, 0,
			"--max-webhook-body 2097152 exceeds --max-step-output 1048576"},
		{"not a size", []string{"--max-step-output", "1GB"}, 0, 0, `"1GB" is not a size`},
		{"zero", []string{"--max-webhook-body", "0"}, 0, 0, `"0" is not a size`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			cfg, err := parseServeFlags(tc.args, func(string) string { return "" }, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error()+out.String(), tc.wantErr) {
					t.Fatalf("error = %v (output %q), want %q", err, out.String(), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MaxWebhookBody != tc.wantWebhook {
				t.Errorf("MaxWebhookBody = %d, want %d", cfg.MaxWebhookBody, tc.wantWebhook)
			}
			if cfg.MaxStepOutput != tc.wantOutput {
				t.Errorf("MaxStepOutput = %d, want %d", cfg.MaxStepOutput, tc.wantOutput)
			}
		})
	}
}

func TestServe_BodyLimitsReachServerAndEngine(t *testing.T) {
	srv := startServerWith(t, func(c *config) {
		c.MaxStepOutput = 64 << 10
		c.MaxWebhookBody = 32 << 10
	})
	playbook := `{"name": "Limits", "nodes": [
	{"id": "hook", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "webhook"}},
	{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
	{"id": "done", "type": "end", "position": {"x": 0, "y": 0}}],
 "edges": [{"from": "hook", "port": "success", "to": "done"},
	{"from": "start", "port": "success", "to": "done"}]}`
	var saved savedPlaybook
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks", []byte(playbook), http.StatusCreated, &saved)

	over := []byte(`{"x": "` + strings.Repeat("a", 33<<10) + `"}`)
	resp := srv.do(t, http.MethodPost, saved.webhookPath(t), over, http.Header{"Authorization": {""}})
	if resp.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(resp.Body), "32 KiB") {
		t.Errorf("webhook over 32 KiB: status %d, body %.200s; want 413 naming 32 KiB", resp.Status, resp.Body)
	}
	under := []byte(`{"x": "` + strings.Repeat("a", 30<<10) + `"}`)
	runID := postWebhook(t, srv.URL+saved.webhookPath(t), "application/json", under)
	checkRunFinished(t, srv.followRun(t, runID, 0), runtime.RunSucceeded)

	// Manual inputs are capped by the API body limit only, so a 100 KiB
	// input object reaches the engine, whose trigger step output limit is
	// 64 KiB.
	inputs := []byte(`{"x": "` + strings.Repeat("a", 100<<10) + `"}`)
	var started struct {
		RunID string `json:"run_id"`
	}
	srv.mustDo(t, http.MethodPost, "/api/v1/playbooks/"+saved.ID+"/runs", inputs, http.StatusAccepted, &started)
	srv.followRun(t, started.RunID, 0)
	steps := srv.runSteps(t, started.RunID)
	if step := steps["start"]; step.Error == nil || step.Error.Code != "output_too_large" {
		t.Errorf("trigger step = %+v, want the error output_too_large", step)
	}
}

func TestServe_BundledModulePrecompiled(t *testing.T) {
	logs := &syncBuffer{}
	startServerWith(t, func(c *config) { c.LogOutput = logs })
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(logs.String(), "bundled actions compiled") {
		if time.Now().After(deadline) {
			t.Fatalf("no compilation logged after startup:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, "bundled action not precompiled") {
			t.Errorf("precompile failed: %s", line)
		}
	}
}

func TestServeFlags_Leases(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		wantLease time.Duration
		wantRenew time.Duration
		wantErr   string
	}{
		{"defaults", nil, runtime.DefaultLeaseDuration, runtime.DefaultLeaseRenewInterval, ""},
		{"short leases", []string{"--lease-duration", "3s", "--lease-renew-interval", "1s"},
			3 * time.Second, time.Second, ""},
		{"renew not shorter", []string{"--lease-duration", "2s", "--lease-renew-interval", "2s"}, 0, 0,
			"--lease-renew-interval 2s must be shorter than --lease-duration 2s"},
		{"zero poll", []string{"--poll-interval", "0s"}, 0, 0, "must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			cfg, err := parseServeFlags(tc.args, func(string) string { return "" }, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.LeaseDuration != tc.wantLease {
				t.Errorf("LeaseDuration = %s, want %s", cfg.LeaseDuration, tc.wantLease)
			}
			if cfg.LeaseRenewInterval != tc.wantRenew {
				t.Errorf("LeaseRenewInterval = %s, want %s", cfg.LeaseRenewInterval, tc.wantRenew)
			}
		})
	}
}

func TestServeFlags_RunLimits(t *testing.T) {
	var out strings.Builder
	cfg, err := parseServeFlags(nil, func(string) string { return "" }, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxSteps != runtime.DefaultMaxSteps || cfg.MaxLoopItems != runtime.DefaultMaxLoopItems ||
		cfg.MaxParallel != runtime.DefaultMaxParallel || cfg.MaxDepth != runtime.DefaultMaxDepth ||
		cfg.RunTimeout != runtime.DefaultRunTimeout {
		t.Errorf("defaults = %d steps, %d items, %d parallel, depth %d, %s; want the runtime's",
			cfg.MaxSteps, cfg.MaxLoopItems, cfg.MaxParallel, cfg.MaxDepth, cfg.RunTimeout)
	}

	cfg, err = parseServeFlags([]string{"--max-steps", "500", "--max-loop-items", "20",
		"--max-parallel", "2", "--max-subplaybook-depth", "1", "--run-timeout", "90s"},
		func(string) string { return "" }, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxSteps != 500 || cfg.MaxLoopItems != 20 || cfg.MaxParallel != 2 || cfg.MaxDepth != 1 ||
		cfg.RunTimeout != 90*time.Second {
		t.Errorf("set = %d steps, %d items, %d parallel, depth %d, %s; want 500, 20, 2, 1, 1m30s",
			cfg.MaxSteps, cfg.MaxLoopItems, cfg.MaxParallel, cfg.MaxDepth, cfg.RunTimeout)
	}

	for _, args := range [][]string{
		{"--max-steps", "0"}, {"--max-loop-items", "-1"}, {"--max-parallel", "0"},
		{"--max-subplaybook-depth", "0"}, {"--run-timeout", "0s"},
	} {
		_, err := parseServeFlags(args, func(string) string { return "" }, &out)
		if want := args[0] + " must be positive"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%v: error = %v, want %q", args, err, want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string // a part of the error; empty for none
	}{
		{[]string{"--run-timeout", "1ns"}, "--run-timeout 1ns is shorter than a second"},
		{[]string{"--shutdown-grace", "-1s"}, "--shutdown-grace -1s is negative"},
		{[]string{"--shutdown-grace", "0s"}, ""},
		{[]string{"--run-retention", "90s"}, "--run-retention 1m30s is shorter than an hour"},
		{[]string{"--audit-retention", "30m"}, "--audit-retention 30m0s is shorter than an hour"},
		{[]string{"--run-retention", "0"}, ""},
		{[]string{"--run-retention", "2h"}, ""},
	} {
		_, err := parseServeFlags(tc.args, func(string) string { return "" }, &out)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestServe_MaxLoopItemsFailsLoop(t *testing.T) {
	srv := startServerWith(t, func(cfg *config) { cfg.MaxLoopItems = 3 })
	id := srv.savePlaybookAs(t, []byte(`{"name": "loop limit", "nodes": [
		{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "settings": {"kind": "manual"}},
		{"id": "each", "type": "loop", "position": {"x": 200, "y": 0},
		 "settings": {"items": "${{ [1, 2, 3, 4, 5] }}"}},
		{"id": "double", "type": "transform", "parent": "each", "position": {"x": 0, "y": 0},
		 "settings": {"values": {"n": "${{ item * 2 }}"}}}],
	 "edges": [{"from": "start", "port": "success", "to": "each"}]}`))
	runID := srv.startRunAs(t, id)
	srv.waitRunStatus(t, runID, runtime.RunFailed, runtime.RunSucceeded)

	step := srv.runSteps(t, runID)["each"]
	if step.Status != runtime.StepFailed || step.Error == nil || step.Error.Code != "too_many_items" {
		t.Errorf("loop step = %s %+v, want failed with too_many_items", step.Status, step.Error)
	}
}

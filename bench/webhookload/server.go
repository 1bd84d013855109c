package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// server is an "updraft serve" process started by this program.
type server struct {
	cmd     *exec.Cmd
	base    string        // such as "http://127.0.0.1:41234"
	done    chan struct{} // closed when the process exited
	exitErr error         // set before done is closed
}

// startServer starts binary on a free port of 127.0.0.1 with its data in
// dir and waits until its API responds.
func startServer(ctx context.Context, binary, dir string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data-dir", filepath.Join(dir, "data"),
		"--log-level", "warn")
	cmd.Env = append(os.Environ(), "UPDRAFT_BOOTSTRAP_TOKEN="+adminToken)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, done: make(chan struct{})}
	go func() {
		s.exitErr = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()

	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w (server log in %s)", err, logFile.Name())
	}
	return s, nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (s *server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		err := s.api(ctx, http.MethodGet, "/api/v1/playbooks", nil, nil)
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited before it was ready: %v", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("server not ready: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits for the process, killing it after 30 s.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// createPlaybook stores the benchmark playbook and returns its webhook
// URL.
func (s *server) createPlaybook(ctx context.Context) (string, error) {
	var saved struct {
		Webhooks []struct {
			URL string `json:"url"`
		} `json:"webhooks"`
	}
	if err := s.api(ctx, http.MethodPost, "/api/v1/playbooks", playbookJSON, &saved); err != nil {
		return "", fmt.Errorf("create playbook: %w", err)
	}
	if len(saved.Webhooks) != 1 {
		return "", fmt.Errorf("create playbook: got %d webhooks, want 1", len(saved.Webhooks))
	}
	return saved.Webhooks[0].URL, nil
}

// api sends an authenticated request and decodes a 2xx JSON response into
// out when out is not nil.
func (s *server) api(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return errors.Join(fmt.Errorf("%s %s: decode response", method, path), err)
	}
	return nil
}

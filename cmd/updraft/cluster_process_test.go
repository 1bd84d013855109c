package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretDBHelperEnv names the unix socket a re-executed test binary
// serves FerretDB on; see TestClusterHelper_FerretDB.
const ferretDBHelperEnv = "UPDRAFT_TEST_FERRETDB_SOCKET"

// TestClusterHelper_FerretDB is not a test: the cluster test runs the test
// binary again with ferretDBHelperEnv set, and this function then serves
// FerretDB with the SQLite backend on that unix socket until the process
// is stopped. It uses FerretDB's embeddable package, which sends
// no telemetry.
//
// NOTE: `go build github.com/FerretDB/FerretDB/cmd/ferretdb` at v1.24.2
// builds a binary that panics at start, because the module zip lacks the
// generated build/version/version.txt, and building it needs four more
// modules in go.sum. So the helper process runs the same FerretDB code.
func TestClusterHelper_FerretDB(t *testing.T) {
	sock := os.Getenv(ferretDBHelperEnv)
	if sock == "" {
		t.Skip("runs only as the FerretDB process of TestCluster_ThreeProcesses")
	}
	dir := os.Getenv(ferretDBHelperEnv + "_DIR")
	// NOTE: FerretDB v1.24.2 opens SQLite with busy_timeout(10000), so a
	// write that waits over 10 s for the one write lock fails with
	// "database is locked". _txlock=immediate does not prevent that; see
	// docs/runtime.md.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatalf("ferretdb: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Fprintln(os.Stderr, "ferretdb listening", sock)
	if err := f.Run(ctx); err != nil {
		t.Fatalf("ferretdb run: %v", err)
	}
}

// startFerretDB runs FerretDB with its SQLite files in a temporary
// directory and returns its MongoDB URI. It listens on a unix socket of
// its own, which no other process can take between its choice and the
// bind, as one could a free TCP port. Its log goes to ferretdb.log in the
// test's artifact directory. When the test
// fails, the process gets SIGQUIT first, so the log ends with a dump of
// its goroutines.
func startFerretDB(t *testing.T) string {
	t.Helper()
	// A socket path must fit in about 100 bytes, which t.TempDir() may not.
	sockDir, err := os.MkdirTemp("", "updraft-fdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "ferretdb.sock")

	logPath := filepath.Join(t.ArtifactDir(), "ferretdb.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestClusterHelper_FerretDB$", "-test.v")
	cmd.Env = append(os.Environ(), ferretDBHelperEnv+"="+sock,
		ferretDBHelperEnv+"_DIR="+t.TempDir(), "DO_NOT_TRACK=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ferretdb: %v", err)
	}
	t.Cleanup(func() {
		stopFerretDB(t, cmd)
		logFile.Close()
		if t.Failed() {
			t.Logf("ferretdb log: %s", logPath)
		}
	})

	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if conn, err := net.Dial("unix", sock); err == nil {
			conn.Close()
			return "mongodb://" + url.PathEscape(sock) + "/"
		}
		time.Sleep(50 * time.Millisecond)
	}
	logs, _ := os.ReadFile(logPath)
	t.Fatalf("ferretdb did not listen on %s within a minute:\n%s", sock, logs)
	return ""
}

// stopFerretDB stops the FerretDB process with SIGTERM, or with SIGQUIT
// when the test failed, which makes the Go runtime print every goroutine.
func stopFerretDB(t *testing.T, cmd *exec.Cmd) {
	sig := syscall.SIGTERM
	if t.Failed() {
		sig = syscall.SIGQUIT
	}
	_ = cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// startClusterProcess starts `updraft serve` on 127.0.0.1 with a free
// port, against the MongoDB server uri, with the data directory dataDir
// and the extra serve flags. It returns once the server listens. Its log
// goes to updraft-<name>.log in the test's artifact directory when the
// test ends.
func startClusterProcess(t *testing.T, bin, name, uri, dataDir string,
	flags ...string) *updraftProcess {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir,
		"--allow-loopback-actions", "--approved-hosts", "127.0.0.1",
		"--log-format", "json", "--shutdown-grace", "2s"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "UPDRAFT_BOOTSTRAP_TOKEN="+testToken, "DO_NOT_TRACK=1",
		"MONGODB_URI="+uri)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start updraft %s: %v", name, err)
	}

	p := &updraftProcess{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go p.readLog(stderr, addr)
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		logPath := filepath.Join(t.ArtifactDir(), "updraft-"+name+".log")
		if err := os.WriteFile(logPath, []byte(p.logs.String()), 0o600); err != nil {
			t.Errorf("write log of updraft %s: %v", name, err)
		}
		if t.Failed() {
			t.Logf("log of updraft %s (pid %d): %s", name, cmd.Process.Pid, logPath)
		}
	})

	select {
	case a := <-addr:
		p.testServer = &testServer{URL: "http://" + a, Token: testToken, DataDir: dataDir}
		return p
	case <-p.done:
		t.Fatalf("updraft %s exited before listening:\n%s", name, p.logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("updraft %s did not listen within 2 minutes:\n%s", name, p.logs.String())
	}
	return nil
}

// waitLogged waits until the process logged a line with the message msg.
func waitLogged(t *testing.T, p *updraftProcess, msg string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(p.logs.String(), `"msg":"`+msg+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("updraft did not log %q within 2 minutes", msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// countLogged returns how many lines of the process log have the message
// msg.
func countLogged(p *updraftProcess, msg string) int {
	return strings.Count(p.logs.String(), `"msg":"`+msg+`"`)
}

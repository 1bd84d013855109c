package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// maxSocketPath is the longest unix socket path used in the data directory.
// Linux limits sun_path to 108 bytes including the terminating zero; longer
// data directory paths get the socket in a short temporary directory.
const maxSocketPath = 100

// embeddedServer is FerretDB running in this process on a unix socket, with
// its SQLite files in the data directory.
type embeddedServer struct {
	lock    *os.File
	cancel  context.CancelFunc
	done    chan struct{} // closed when FerretDB's Run returns
	sockDir string        // temporary socket directory to remove, or ""
	uri     string
	dir     string // absolute data directory
}

// startEmbedded locks dir and starts FerretDB on it. The caller stops it
// with stop.
func startEmbedded(dir string, log *slog.Logger) (_ *embeddedServer, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dir, err)
	}

	lock, err := lockDataDir(abs)
	if err != nil {
		var locked *lockedError
		if errors.As(err, &locked) {
			locked.dir = dir
			return nil, locked
		}
		return nil, fmt.Errorf("data directory %q: %w", dir, err)
	}
	e := &embeddedServer{lock: lock, dir: abs}
	defer func() {
		if err != nil {
			e.release()
		}
	}()

	sock, err := e.socketPath(abs)
	if err != nil {
		return nil, err
	}
	if err := e.run(abs, sock, log); err != nil {
		return nil, err
	}
	return e, nil
}

// socketPath returns the socket path and removes a socket left by a process
// that died, which is safe because this process holds the lock.
func (e *embeddedServer) socketPath(dir string) (string, error) {
	sock := filepath.Join(dir, "ferretdb.sock")
	if len(sock) > maxSocketPath {
		tmp, err := os.MkdirTemp("", "updraft-")
		if err != nil {
			return "", fmt.Errorf("create socket directory: %w", err)
		}
		e.sockDir = tmp
		sock = filepath.Join(tmp, "ferretdb.sock")
	}

	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("remove stale socket: %w", err)
	}
	return sock, nil
}

// run starts FerretDB with the SQLite backend in dir.
func (e *embeddedServer) run(dir, sock string, log *slog.Logger) error {
	sqliteURL := &url.URL{Scheme: "file", Path: dir + "/", RawQuery: "_pragma=synchronous(normal)"}
	ferretLog := slog.New(minLevelHandler{base: log.Handler(), min: slog.LevelError})
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL.String(),
		Logger:    ferretLog.With("component", "ferretdb"),
	})
	if err != nil {
		return fmt.Errorf("start embedded FerretDB: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.done = make(chan struct{})
	go func() {
		defer close(e.done)
		_ = f.Run(ctx) // returns nil once ctx is canceled
	}()
	e.uri = f.MongoDBURI()
	return nil
}

// stop stops FerretDB, waits for it to close its files and releases the
// lock.
func (e *embeddedServer) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
	}
	e.release()
}

func (e *embeddedServer) release() {
	if e.sockDir != "" {
		os.RemoveAll(e.sockDir)
	}
	e.lock.Close() // closing the file releases the flock
}

// ferretDBVersion is the version of the FerretDB module in go.mod. The
// embedded package reports "unknown" in buildInfo, and test binaries carry
// no module list, so the version is kept here and a test checks it against
// go.mod.
const ferretDBVersion = "v1.24.2"

// minLevelHandler drops records below min. FerretDB logs every connection
// at info level and every failed command with its full response at warn
// level, such as the endSessions command it lacks on each disconnect.
//
// FerretDB also derives a logger with attributes for every command. A
// handler formats such attributes at once, which cost about 14% of the CPU
// of inserting small documents, so minLevelHandler keeps them and applies
// them only to a record that passes.
type minLevelHandler struct {
	base slog.Handler
	min  slog.Level
	with []func(slog.Handler) slog.Handler // WithAttrs and WithGroup calls, in order
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.base.Enabled(ctx, level)
}

func (h minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	handler := h.base
	for _, apply := range h.with {
		handler = apply(handler)
	}
	return handler.Handle(ctx, r)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.then(func(next slog.Handler) slog.Handler { return next.WithAttrs(attrs) })
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return h.then(func(next slog.Handler) slog.Handler { return next.WithGroup(name) })
}

// then returns a copy of h that applies apply after the calls h keeps.
func (h minLevelHandler) then(apply func(slog.Handler) slog.Handler) minLevelHandler {
	with := make([]func(slog.Handler) slog.Handler, len(h.with), len(h.with)+1)
	copy(with, h.with)
	h.with = append(with, apply)
	return h
}

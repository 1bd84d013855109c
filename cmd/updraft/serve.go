package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/actions/builtin"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/runtime/wasm"
	"github.com/updraftsoar/updraft/server"
	"github.com/updraftsoar/updraft/store"
)

// serveCommand runs `updraft serve` until SIGINT or SIGTERM.
func serveCommand(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "updraft serve: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if path := os.Getenv(cpuProfileEnv); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintf(stderr, "updraft serve: %s: %v\n", cpuProfileEnv, err)
			return 1
		}
		defer stopProfile()
	}
	if err := serve(ctx, cfg, stdout, nil); err != nil {
		fmt.Fprintf(stderr, "updraft serve: %v\n", err)
		return 1
	}
	return 0
}

// serve binds the listener, starts the store, the action host, the engine
// and the HTTP server, calls ready with the bound address, and blocks
// until ctx ends. Then it stops accepting requests, lets running steps
// finish within the grace period and closes the store. The listener is
// bound first, so a taken port fails before the data directory is
// created.
func serve(ctx context.Context, cfg config, stdout io.Writer, ready func(addr string)) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close() // for the early returns; http.Server closes it otherwise

	log := newLogger(cfg)
	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return err
	}
	defer closeStore(st, log)

	registry, bundled, err := loadActions(ctx, st, log)
	if err != nil {
		return err
	}
	secrets, err := openSecrets(cfg, st)
	if err != nil {
		return err
	}
	host, err := newActionHost(ctx, cfg, st, registry, bundled, secrets, log)
	if err != nil {
		return err
	}
	defer closeHost(host, log)

	if err := bootstrapToken(ctx, st, cfg.BootstrapToken, stdout); err != nil {
		return err
	}
	metrics := server.NewMetrics()
	engine := runtime.New(runtime.Config{Store: st, Invoker: host, Logger: log,
		MaxOutputBytes: int(cfg.MaxStepOutput), MaxSteps: cfg.MaxSteps,
		MaxLoopItems: cfg.MaxLoopItems, MaxParallel: cfg.MaxParallel, MaxDepth: cfg.MaxDepth,
		RunTimeout: cfg.RunTimeout, ProcessID: cfg.ProcessID,
		LeaseDuration: cfg.LeaseDuration, LeaseRenewInterval: cfg.LeaseRenewInterval,
		PollInterval: cfg.PollInterval, Observer: metrics})
	metrics.CountActiveRuns(engine.ActiveRuns)
	if err := engine.Resume(ctx); err != nil {
		return fmt.Errorf("resume unfinished runs: %w", err)
	}

	// The bundled module compiles in the background once the server is up,
	// and the host closes only after that compilation returns.
	var precompiling sync.WaitGroup
	defer precompiling.Wait()
	onReady := func(addr string) {
		precompiling.Go(func() { precompileBundled(ctx, host, bundled, log) })
		if ready != nil {
			ready(addr)
		}
	}
	return serveHTTP(ctx, cfg, ln, st, engine, registry, secrets, metrics, log, onReady)
}

// serveHTTP serves on ln until ctx ends, then shuts the server and the
// engine down.
func serveHTTP(ctx context.Context, cfg config, ln net.Listener, st *store.Store,
	engine *runtime.Engine, registry *actions.Registry, secrets *store.SecretStore,
	metrics *server.Metrics, log *slog.Logger, ready func(string)) error {
	addr := ln.Addr().String()
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + addr
	}
	app, err := server.New(server.Config{
		Store:     st,
		Engine:    engine,
		Actions:   registry,
		Logger:    log,
		PublicURL: publicURL,
		Secrets:   secrets,
		Metrics:   metrics,

		MinutesPerAlert: cfg.MinutesPerAlert,

		MaxWebhookBody: cfg.MaxWebhookBody,
		Publishing: &server.Publishing{
			Store:             st,
			Registry:          registry,
			TrustedKeys:       cfg.TrustedKeys,
			RequireSignatures: cfg.RequireSignatures,
		},
	})
	if err != nil {
		_ = ln.Close()
		shutdownEngine(engine, cfg.ShutdownGrace, log)
		return err
	}
	httpServer := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()
	go deleteExpiredSessions(ctx, st, log)
	go deleteOldAuditEntries(ctx, st, cfg.AuditRetention, log)
	go deleteOldRuns(ctx, st, cfg.RunRetention, log)
	if !st.Embedded() {
		// Other processes may publish actions to the same database.
		go syncActionsEvery(ctx, st, registry, actionSyncInterval, log)
	}
	log.Info("server listening", "component", "main", "addr", addr, "public_url", publicURL,
		"database", st.Describe())
	if ready != nil {
		ready(addr)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	log.Info("server stopping", "component", "main")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		log.Warn("http server shutdown incomplete", "component", "main", "error", err)
	}
	_ = app.Shutdown(shutdownCtx)
	shutdownEngine(engine, cfg.ShutdownGrace, log)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", serveErr)
	}
	return nil
}

func newLogger(cfg config) *slog.Logger {
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}

// bundledModules are the actions built into the binary and their module
// bytes by hex SHA-256.
type bundledModules struct {
	refs    []string
	modules wasm.StaticModules
}

// loadActions stores the bundled actions (again on every start; storing an
// unchanged version is a no-op) and registers every stored action. A
// bundled action is registered with the binary's own module even when the
// stored version has other bytes.
func loadActions(ctx context.Context, st *store.Store, log *slog.Logger) (*actions.Registry,
	*bundledModules, error) {
	bundles, err := builtin.Load()
	if err != nil {
		return nil, nil, err
	}
	bundled := &bundledModules{modules: make(wasm.StaticModules)}
	own := make(map[string]actions.Action, len(bundles))
	for _, b := range bundles {
		ref := b.Manifest.Ref()
		bundled.refs = append(bundled.refs, ref)
		bundled.modules[b.SHA256] = b.Module
		own[ref] = b.Action()
		if err := storeBundled(ctx, st, b, log); err != nil {
			return nil, nil, err
		}
	}

	stored, err := st.ListActions(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list actions: %w", err)
	}
	registry := actions.NewRegistry()
	for _, a := range stored {
		if b, ok := own[a.Manifest.Ref()]; ok {
			a = b
		}
		if err := registry.Add(a); err != nil {
			return nil, nil, fmt.Errorf("register action %s: %w", a.Manifest.Ref(), err)
		}
	}
	log.Info("actions registered", "component", "main", "count", len(stored))
	return registry, bundled, nil
}

// storeBundled stores one bundled action. A stored bundled version with
// other module bytes, left by an older binary or a rebuild with another Go
// toolchain, is replaced, so the stored record names the module that runs.
func storeBundled(ctx context.Context, st *store.Store, b builtin.Bundle, log *slog.Logger) error {
	written, err := st.ReplaceBuiltinAction(ctx, b.Action(), b.Module)
	if err != nil {
		return fmt.Errorf("store bundled action %s: %w", b.Manifest.Ref(), err)
	}
	if written {
		log.Info("bundled action stored", "component", "main", "action", b.Manifest.Ref(),
			"sha256", b.SHA256)
	}
	return nil
}

// bundledFirst reads bundled modules from the binary and every other
// module from the store.
type bundledFirst struct {
	bundled wasm.StaticModules
	stored  wasm.ModuleSource
}

func (m bundledFirst) Module(ctx context.Context, sha256 string) ([]byte, error) {
	if b, ok := m.bundled[sha256]; ok {
		return b, nil
	}
	return m.stored.Module(ctx, sha256)
}

func newActionHost(ctx context.Context, cfg config, st *store.Store, registry *actions.Registry,
	bundled *bundledModules, secrets *store.SecretStore, log *slog.Logger) (*wasm.Host, error) {
	cacheDir := cfg.ModuleCacheDir
	if cacheDir == "" {
		cacheDir = filepath.Join(cfg.DataDir, "module-cache")
	}
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("module cache: %w", err)
	}
	return wasm.NewHost(ctx, wasm.Config{
		CacheDir:      cacheDir,
		AllowLoopback: cfg.AllowLoopbackActions,
		ApprovedHosts: cfg.ApprovedHosts,
		Registry:      registry,
		Modules:       bundledFirst{bundled: bundled.modules, stored: st},
		Secrets:       secrets,
		Logger:        log,
	})
}

// precompileBundled compiles the modules of the bundled actions, so the
// first call of one does not wait for the compilation.
func precompileBundled(ctx context.Context, host *wasm.Host, bundled *bundledModules,
	log *slog.Logger) {
	start := time.Now()
	for _, ref := range bundled.refs {
		if err := host.Precompile(ctx, ref); err != nil {
			if ctx.Err() == nil {
				log.Warn("bundled action not precompiled", "component", "main", "action", ref,
					"error", err)
			}
			return
		}
	}
	// Compiling leaves tens of MiB of garbage, which the Go runtime would
	// otherwise keep from the system until later collections.
	debug.FreeOSMemory()
	log.Info("bundled actions compiled", "component", "main", "count", len(bundled.refs),
		"duration_ms", time.Since(start).Milliseconds())
}

// bootstrapToken stores the first admin token and prints a generated one.
func bootstrapToken(ctx context.Context, st *store.Store, configured string, stdout io.Writer) error {
	generated, err := server.EnsureBootstrapToken(ctx, st, configured)
	if err != nil {
		return err
	}
	if generated != "" {
		fmt.Fprintf(stdout, "Admin API token (shown only this once; keep it safe): %s\n", generated)
	}
	return nil
}

func shutdownEngine(engine *runtime.Engine, grace time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := engine.Shutdown(ctx); err != nil {
		log.Warn("engine shutdown incomplete", "component", "main", "error", err)
	}
}

func closeHost(host *wasm.Host, log *slog.Logger) {
	if err := host.Close(context.Background()); err != nil {
		log.Warn("action host not closed", "component", "main", "error", err)
	}
}

func closeStore(st *store.Store, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.Close(ctx); err != nil {
		log.Warn("store not closed", "component", "main", "error", err)
	}
	log.Info("server stopped", "component", "main")
}

// deleteExpiredSessions removes expired browser sessions every hour until
// ctx ends. Expired sessions are already rejected when read, so this only
// keeps the collection small.
func deleteExpiredSessions(ctx context.Context, st *store.Store, log *slog.Logger) {
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			n, err := st.DeleteExpiredSessions(ctx, now)
			if err != nil && ctx.Err() == nil {
				log.Warn("expired sessions not deleted", "component", "main", "error", err)
			} else if n > 0 {
				log.Info("expired sessions deleted", "component", "main", "count", n)
			}
		}
	}
}

// runDeleteBatch is the number of runs that one pass of deleteOldRuns
// lists and deletes at a time.
const runDeleteBatch = 500

// deleteOldRuns removes the runs that ended longer than retention ago,
// with their history, at once and then every hour until ctx ends. A
// retention of 0 or less keeps every run.
func deleteOldRuns(ctx context.Context, st *store.Store, retention time.Duration,
	log *slog.Logger) {
	if retention <= 0 {
		return
	}
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		cutoff := time.Now().Add(-retention)
		deleted := 0
		for {
			ids, err := st.DeleteRunsEndedBefore(ctx, cutoff, runDeleteBatch)
			deleted += len(ids)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("old runs not deleted", "component", "main", "deleted", deleted, "error", err)
				}
				break
			}
			if len(ids) < runDeleteBatch {
				break
			}
		}
		if deleted > 0 {
			log.Info("old runs deleted", "component", "main", "count", deleted,
				"cutoff", cutoff.UTC().Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// auditDeleteBatch is the number of audit entries that one delete command
// removes at most.
const auditDeleteBatch = 1000

// deleteOldAuditEntries removes the audit entries older than retention at
// once and then every hour until ctx ends. A retention of 0 or less keeps
// every entry.
func deleteOldAuditEntries(ctx context.Context, st *store.Store, retention time.Duration,
	log *slog.Logger) {
	if retention <= 0 {
		return
	}
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		cutoff := time.Now().Add(-retention)
		n, err := st.DeleteAuditEntriesBefore(ctx, cutoff, auditDeleteBatch)
		if err != nil && ctx.Err() == nil {
			log.Warn("old audit entries not deleted", "component", "main", "deleted", n, "error", err)
		} else if n > 0 {
			log.Info("old audit entries deleted", "component", "main", "count", n,
				"cutoff", cutoff.UTC().Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

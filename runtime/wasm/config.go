package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/updraftsoar/updraft/actions"
)

// Defaults applied to zero Config fields.
const (
	DefaultMemoryMiB            = 64
	DefaultTimeout              = 30 * time.Second
	DefaultMaxOutputBytes       = 1 << 20
	DefaultMaxHTTPResponseBytes = 4 << 20
	DefaultHTTPTimeout          = 15 * time.Second
	DefaultReactorPoolSize      = 2
	DefaultReactorMaxIdle       = 16
	DefaultReactorIdleTimeout   = time.Minute
	DefaultReactorMaxCalls      = 1000
	DefaultReactorWait          = 20 * time.Millisecond // until a start time is measured
	DefaultMaxLogLines          = 1000
	DefaultMaxLogBytes          = 256 << 10
	DefaultMaxLogLineBytes      = 4 << 10
)

// maxReactorWait caps the wait for a busy reactor instance that follows
// from the measured start time when Config.ReactorWait is zero.
const maxReactorWait = 250 * time.Millisecond

// Config configures a Host. The zero value of each field except Registry
// and Modules works.
type Config struct {
	// CacheDir is the directory of wazero's on-disk compilation cache, so a
	// restarted process skips compiling modules it compiled before. Empty
	// keeps compiled code in memory only.
	CacheDir string

	// AllowLoopback lets the HTTP host call reach loopback addresses
	// (127.0.0.0/8, ::1). It exists for tests; keep it false in production.
	AllowLoopback bool

	// AllowPrivate lets the HTTP host call reach private addresses
	// (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7).
	// Link-local and metadata addresses are always rejected.
	AllowPrivate bool

	// ApprovedHosts are the hosts ("name" or "name:port") that a manifest
	// declaring the host "*" may reach. Nil approves none.
	ApprovedHosts []string

	// MemoryMiB caps the linear memory of a module whose manifest sets no
	// limit. Zero means DefaultMemoryMiB.
	MemoryMiB int

	// Timeout caps one call of a module whose manifest sets no timeout.
	// Zero means DefaultTimeout.
	Timeout time.Duration

	// MaxOutputBytes caps what a module may write to stdout. Zero means
	// DefaultMaxOutputBytes.
	MaxOutputBytes int

	// MaxHTTPResponseBytes caps the body of one HTTP host call response.
	// Zero means DefaultMaxHTTPResponseBytes.
	MaxHTTPResponseBytes int64

	// HTTPTimeout caps one HTTP host call, within the call's own deadline.
	// Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration

	// MaxLogLines caps the log lines of one call, from stderr and the log
	// import together. Later lines are counted, and one "log lines dropped:
	// N" line follows the call. Zero means DefaultMaxLogLines.
	MaxLogLines int

	// MaxLogBytes caps the bytes of all log lines of one call, counted like
	// MaxLogLines. Zero means DefaultMaxLogBytes.
	MaxLogBytes int

	// MaxLogLineBytes caps one log line. A longer line is cut and ends in
	// "...". Zero means DefaultMaxLogLineBytes.
	MaxLogLineBytes int

	// Resolver resolves the host names of HTTP host calls. Every address
	// it returns is checked before the host dials it. Nil means
	// net.DefaultResolver.
	Resolver Resolver

	// ReactorPoolSize caps the idle instances of a reactor module kept for
	// one action version, and is the number of live instances of it from
	// which a call waits for one (see ReactorWait). Zero means
	// DefaultReactorPoolSize, and a negative value keeps none, so each
	// call starts a new instance.
	ReactorPoolSize int

	// ReactorWait caps how long a call waits for an instance of its action
	// version to be released when none is idle and ReactorPoolSize are
	// live. After the wait, the call starts a new instance. A call that
	// carries a secret value never waits. Zero means half the average
	// time that instances of the module took to start, at most 250 ms, or
	// DefaultReactorWait before one has started. A negative value never
	// waits.
	ReactorWait time.Duration

	// ReactorMaxIdle caps the idle reactor instances kept for all action
	// versions together. Zero means DefaultReactorMaxIdle.
	ReactorMaxIdle int

	// ReactorIdleTimeout is how long a reactor instance stays idle before
	// it is closed, which returns its memory once calls stop. Zero means
	// DefaultReactorIdleTimeout, and a negative value keeps idle
	// instances until Close.
	ReactorIdleTimeout time.Duration

	// ReactorMaxCalls is the number of calls after which a reactor
	// instance is closed, not reused. Zero means DefaultReactorMaxCalls.
	ReactorMaxCalls int

	// Registry holds the published actions. Required.
	Registry *actions.Registry

	// Modules returns module bytes by SHA-256. Required.
	Modules ModuleSource

	// Secrets returns the secrets granted to a module by its manifest. Nil
	// sends every module an empty "secrets" object.
	Secrets SecretSource

	// Logger receives the host's own events. Nil discards them.
	Logger *slog.Logger
}

// ModuleSource returns the bytes of a module by its hex SHA-256. The store
// implements it.
type ModuleSource interface {
	Module(ctx context.Context, sha256 string) ([]byte, error)
}

// Resolver resolves a host name to IP addresses. *net.Resolver implements
// it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// SecretSource returns the value of a named secret.
type SecretSource interface {
	Secret(ctx context.Context, name string) (string, error)
}

// StaticModules is a ModuleSource over an in-memory map from hex SHA-256
// to module bytes, such as the bundled modules.
type StaticModules map[string][]byte

// Module returns the module with the given SHA-256.
func (m StaticModules) Module(_ context.Context, sha256 string) ([]byte, error) {
	b, ok := m[sha256]
	if !ok {
		return nil, fmt.Errorf("module %s: %w", sha256, errModuleNotFound)
	}
	return b, nil
}

var errModuleNotFound = errors.New("not found")

// withDefaults returns a copy of c with every zero limit set.
func (c Config) withDefaults() (Config, error) {
	if c.Registry == nil {
		return c, errors.New("wasm: config: Registry is required")
	}
	if c.Modules == nil {
		return c, errors.New("wasm: config: Modules is required")
	}
	if c.MemoryMiB <= 0 {
		c.MemoryMiB = DefaultMemoryMiB
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxOutputBytes <= 0 {
		c.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if c.MaxHTTPResponseBytes <= 0 {
		c.MaxHTTPResponseBytes = DefaultMaxHTTPResponseBytes
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.ReactorPoolSize == 0 {
		c.ReactorPoolSize = DefaultReactorPoolSize
	}
	if c.ReactorMaxIdle <= 0 {
		c.ReactorMaxIdle = DefaultReactorMaxIdle
	}
	if c.ReactorIdleTimeout == 0 {
		c.ReactorIdleTimeout = DefaultReactorIdleTimeout
	}
	if c.ReactorMaxCalls <= 0 {
		c.ReactorMaxCalls = DefaultReactorMaxCalls
	}
	if c.MaxLogLines <= 0 {
		c.MaxLogLines = DefaultMaxLogLines
	}
	if c.MaxLogBytes <= 0 {
		c.MaxLogBytes = DefaultMaxLogBytes
	}
	if c.MaxLogLineBytes <= 0 {
		c.MaxLogLineBytes = DefaultMaxLogLineBytes
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for i, h := range c.ApprovedHosts {
		if h == actions.AnyApprovedHost {
			return c, fmt.Errorf("wasm: config: ApprovedHosts[%d]: \"*\" is not allowed", i)
		}
		if err := actions.CheckHostPattern(h); err != nil {
			return c, fmt.Errorf("wasm: config: ApprovedHosts[%d]: %w", i, err)
		}
	}
	return c, nil
}

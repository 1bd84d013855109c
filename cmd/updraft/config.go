package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/server"
)

// config is everything `updraft serve` reads from flags and the
// environment. parseServeFlags sets the defaults.
type config struct {
	Addr      string // listen address, such as "127.0.0.1:8080"
	DataDir   string // embedded database, lock file and compilation cache
	MongoURI  string // MongoDB server to use instead of embedded FerretDB
	PublicURL string // base of webhook URLs; empty means http://<bound address>

	// BootstrapToken becomes the admin token when no token is stored yet.
	// Empty generates one and prints it once.
	BootstrapToken string

	// SecretKeyFile holds the key that encrypts secrets. Empty means
	// <DataDir>/secret.key, which is generated on first start.
	SecretKeyFile string

	AllowLoopbackActions bool     // actions may reach 127.0.0.0/8 and ::1 (tests only)
	ApprovedHosts        []string // hosts that actions declaring "*" may reach

	// TrustedKeys verify the signatures of published modules; nil trusts
	// no key. RequireSignatures rejects modules that none of them signed.
	TrustedKeys       *actions.TrustedKeys
	RequireSignatures bool

	// MaxStepOutput is the largest output of one step in bytes.
	// MaxWebhookBody is the largest webhook body in bytes, after gzip
	// decompression; it is at most MaxStepOutput, because the body becomes
	// the trigger step's output.
	MaxStepOutput  int64
	MaxWebhookBody int64

	// Run limits of the runtime; zero values take the runtime's defaults.
	MaxSteps     int           // steps executed per run, loop bodies included
	MaxLoopItems int           // items of one loop step
	MaxParallel  int           // steps running at once in one run
	MaxDepth     int           // levels of subplaybook child runs
	RunTimeout   time.Duration // duration of one run, waits included

	// ModuleCacheDir is wazero's compilation cache. Empty means
	// <DataDir>/module-cache.
	ModuleCacheDir string

	// Lease settings of the runtime; zero values take the runtime's
	// defaults. ProcessID names this process in leases.
	ProcessID          string
	LeaseDuration      time.Duration
	LeaseRenewInterval time.Duration
	PollInterval       time.Duration

	// AuditRetention is the age after which audit entries are deleted. 0
	// keeps them forever.
	AuditRetention time.Duration
	// RunRetention is the age after their end at which runs are deleted
	// with their history. 0 keeps them forever.
	RunRetention time.Duration

	LogLevel      slog.Level
	LogFormat     string        // "json" or "text"
	LogOutput     io.Writer     // log destination; nil means stderr
	ShutdownGrace time.Duration // how long running steps may finish on shutdown

	// MinutesPerAlert is the analyst time, in minutes, that the dashboard
	// counts as saved by each automated run.
	MinutesPerAlert int
}

// parseServeFlags maps the serve flags and the environment onto a config.
// getenv is os.Getenv outside tests.
func parseServeFlags(args []string, getenv func(string) string, output io.Writer) (config, error) {
	cfg := config{
		MongoURI:       getenv("MONGODB_URI"),
		BootstrapToken: getenv("UPDRAFT_BOOTSTRAP_TOKEN"),
		SecretKeyFile:  getenv("UPDRAFT_SECRET_KEY_FILE"),
	}
	fs := flag.NewFlagSet("updraft serve", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "`address` to listen on (host:port; port 0 picks a free port)")
	fs.StringVar(&cfg.DataDir, "data-dir", "./data", "`directory` for the embedded database and the module cache")
	fs.StringVar(&cfg.PublicURL, "public-url", "",
		"base `URL` of webhook addresses, such as https://soar.example.com (default http://<addr>)")
	fs.BoolVar(&cfg.AllowLoopbackActions, "allow-loopback-actions", false,
		"let actions call loopback addresses; for tests only")
	hosts := fs.String("approved-hosts", "",
		"comma-separated `hosts` (name or name:port) that actions declaring any host may call")
	fs.StringVar(&cfg.SecretKeyFile, "secret-key-file", cfg.SecretKeyFile,
		"`file` with the 32-byte key that encrypts secrets, mode 0600 "+
			"(default <data-dir>/secret.key, generated on first start; or UPDRAFT_SECRET_KEY_FILE)")
	trustedKeys := fs.String("trusted-keys", "",
		"`file` of base64 ed25519 public keys, one per line, whose action signatures are trusted")
	fs.BoolVar(&cfg.RequireSignatures, "require-signatures", false,
		"reject published actions that no trusted key signed")
	cfg.MaxStepOutput = runtime.DefaultMaxOutputBytes
	fs.Var((*byteSize)(&cfg.MaxStepOutput), "max-step-output",
		"largest output of one step, in `bytes` or with a KiB or MiB suffix")
	fs.Var((*byteSize)(&cfg.MaxWebhookBody), "max-webhook-body",
		"largest webhook body after gzip decompression, in `bytes` or with a KiB or MiB suffix; "+
			"at most --max-step-output (default --max-step-output)")
	fs.IntVar(&cfg.MaxSteps, "max-steps", runtime.DefaultMaxSteps,
		"maximum number of steps one run executes, loop bodies included; the run fails beyond it")
	fs.IntVar(&cfg.MaxLoopItems, "max-loop-items", runtime.DefaultMaxLoopItems,
		"maximum number of items of one loop step; the loop step fails beyond it")
	fs.IntVar(&cfg.MaxParallel, "max-parallel", runtime.DefaultMaxParallel,
		"maximum number of steps of one run that execute at once; further ready steps wait")
	fs.IntVar(&cfg.MaxDepth, "max-subplaybook-depth", runtime.DefaultMaxDepth,
		"maximum number of levels of subplaybook child runs; a subplaybook step deeper fails")
	fs.DurationVar(&cfg.RunTimeout, "run-timeout", runtime.DefaultRunTimeout,
		"longest run, approvals and delays included; the run ends timed_out after it")
	fs.StringVar(&cfg.ProcessID, "process-id", "",
		"`name` of this process in run leases (default host name, pid and a random suffix)")
	fs.DurationVar(&cfg.LeaseDuration, "lease-duration", runtime.DefaultLeaseDuration,
		"how long a run's lease lasts without renewal before another process may take the run over")
	fs.DurationVar(&cfg.LeaseRenewInterval, "lease-renew-interval", runtime.DefaultLeaseRenewInterval,
		"how often this process renews its leases and looks for runs to take over")
	fs.DurationVar(&cfg.PollInterval, "poll-interval", runtime.DefaultPollInterval,
		"how often waiting runs look for answers and cancel requests stored by other processes")
	cfg.AuditRetention = defaultAuditRetention
	fs.Var((*days)(&cfg.AuditRetention), "audit-retention",
		"how long audit log entries are kept, in days such as 90d or as a duration such as 720h; "+
			"0 keeps them forever")
	cfg.RunRetention = defaultRunRetention
	fs.Var((*days)(&cfg.RunRetention), "run-retention",
		"how long ended runs are kept with their steps, events and approvals, in days such as 90d "+
			"or as a duration such as 720h; 0 keeps them forever")
	fs.IntVar(&cfg.MinutesPerAlert, "minutes-per-alert", server.DefaultMinutesPerAlert,
		"estimated analyst `minutes` that one automated run saves, for the dashboard's time saved")
	level := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "json", "log `format`: json or text")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 30*time.Second,
		"how long running steps may finish after SIGINT or SIGTERM")
	fs.Usage = func() {
		fmt.Fprintln(output, "Usage: updraft serve [flags]")
		fmt.Fprintln(output, "\nEnvironment: MONGODB_URI uses that MongoDB server instead of the embedded database;")
		fmt.Fprintln(output, "UPDRAFT_BOOTSTRAP_TOKEN sets the first admin token.")
		fmt.Fprintln(output, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("--log-level %q: use debug, info, warn or error", *level)
	}
	if cfg.LogFormat != "json" && cfg.LogFormat != "text" {
		return cfg, fmt.Errorf("--log-format %q: use json or text", cfg.LogFormat)
	}
	for h := range strings.SplitSeq(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.ApprovedHosts = append(cfg.ApprovedHosts, h)
		}
	}
	for _, limit := range []struct {
		flag  string
		value int64
	}{
		{"--max-steps", int64(cfg.MaxSteps)}, {"--max-loop-items", int64(cfg.MaxLoopItems)},
		{"--max-parallel", int64(cfg.MaxParallel)}, {"--max-subplaybook-depth", int64(cfg.MaxDepth)},
		{"--run-timeout", int64(cfg.RunTimeout)}, {"--minutes-per-alert", int64(cfg.MinutesPerAlert)},
	} {
		if limit.value <= 0 {
			return cfg, fmt.Errorf("%s must be positive; leave it out to use the default", limit.flag)
		}
	}
	if cfg.RunTimeout < time.Second {
		return cfg, fmt.Errorf("--run-timeout %s is shorter than a second; runs would time out "+
			"before their first step", cfg.RunTimeout)
	}
	if cfg.ShutdownGrace < 0 {
		return cfg, fmt.Errorf("--shutdown-grace %s is negative; use 0 to cancel running steps at once",
			cfg.ShutdownGrace)
	}
	for _, r := range []struct {
		flag  string
		value time.Duration
	}{{"--run-retention", cfg.RunRetention}, {"--audit-retention", cfg.AuditRetention}} {
		// A retention in seconds or minutes is most likely a typo for days,
		// and it would delete the history at the next start.
		if r.value > 0 && r.value < time.Hour {
			return cfg, fmt.Errorf("%s %s is shorter than an hour; use days such as 90d, "+
				"or 0 to keep everything", r.flag, r.value)
		}
	}
	if cfg.LeaseDuration <= 0 || cfg.LeaseRenewInterval <= 0 || cfg.PollInterval <= 0 {
		return cfg, errors.New("--lease-duration, --lease-renew-interval and --poll-interval must be positive")
	}
	if cfg.LeaseRenewInterval >= cfg.LeaseDuration {
		return cfg, fmt.Errorf("--lease-renew-interval %s must be shorter than --lease-duration %s",
			cfg.LeaseRenewInterval, cfg.LeaseDuration)
	}
	if err := checkPublicURL(cfg.PublicURL); err != nil {
		return cfg, err
	}
	if err := checkBodyLimits(&cfg); err != nil {
		return cfg, err
	}
	return cfg, loadTrustedKeys(&cfg, *trustedKeys)
}

// checkBodyLimits defaults the webhook limit to the step output limit and
// rejects a webhook limit above it, since such a body would be accepted
// and then fail its trigger step.
func checkBodyLimits(cfg *config) error {
	if cfg.MaxWebhookBody == 0 {
		cfg.MaxWebhookBody = cfg.MaxStepOutput
	}
	if cfg.MaxWebhookBody > cfg.MaxStepOutput {
		return fmt.Errorf("--max-webhook-body %d exceeds --max-step-output %d; "+
			"a webhook body becomes the trigger step's output, so raise --max-step-output too",
			cfg.MaxWebhookBody, cfg.MaxStepOutput)
	}
	return nil
}

// defaultAuditRetention is the --audit-retention default: 90 days.
const defaultAuditRetention = 90 * 24 * time.Hour

// defaultRunRetention is the --run-retention default: 90 days.
const defaultRunRetention = 90 * 24 * time.Hour

// days is a flag value for a long duration, written as whole days with a
// "d" suffix, such as 90d, or as a Go duration, such as 720h.
type days time.Duration

func (d *days) String() string {
	if *d != 0 && time.Duration(*d)%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", time.Duration(*d)/(24*time.Hour))
	}
	return time.Duration(*d).String()
}

func (d *days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		count, err := strconv.Atoi(n)
		if err != nil || count < 0 || count > math.MaxInt64/int(24*time.Hour) {
			return fmt.Errorf("%q is not a number of days; use a whole number such as 90d", s)
		}
		*d = days(time.Duration(count) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration; use days such as 90d or a duration such as 720h", s)
	}
	*d = days(v)
	return nil
}

// byteSize is a flag value in bytes, written as a whole number with an
// optional KiB or MiB suffix, such as 1048576, 512KiB or 1MiB.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	number, unit := s, int64(1)
	for suffix, size := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			number, unit = n, size
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(number), 10, 64)
	if err != nil || n < 1 || n > math.MaxInt32/unit {
		return fmt.Errorf("%q is not a size; use a positive whole number of bytes, KiB or MiB, "+
			"such as 1MiB", s)
	}
	*b = byteSize(n * unit)
	return nil
}

func loadTrustedKeys(cfg *config, path string) error {
	if path != "" {
		keys, err := actions.LoadTrustedKeys(path)
		if err != nil {
			return fmt.Errorf("--trusted-keys: %w", err)
		}
		cfg.TrustedKeys = keys
	}
	if cfg.RequireSignatures && cfg.TrustedKeys.Len() == 0 {
		return errors.New("--require-signatures needs --trusted-keys with at least one key")
	}
	return nil
}

func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("--public-url must be an absolute http or https URL, such as https://soar.example.com")
	}
	return nil
}

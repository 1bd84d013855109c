package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Limits on manifest values.
const (
	MaxMemoryMiB = 4096 // the whole 32-bit WebAssembly address space
	MaxTimeout   = time.Hour
	maxTitleLen  = 120
)

var (
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	// semverRE is the regular expression published with Semantic
	// Versioning 2.0.0.
	semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)` +
		`(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	hostLabelRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	secretNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)
)

// AnyApprovedHost in Capabilities.Hosts lets the HTTP host call reach any
// host that the administrator approved for the server.
const AnyApprovedHost = "*"

// ParseManifest decodes a manifest, rejecting unknown fields, and validates
// it.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks every field of the manifest and compiles both schemas.
// The error lists each invalid field by its JSON name and wraps
// ErrInvalidManifest.
func (m *Manifest) Validate() error {
	var errs []error
	check := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	check("abi", checkABI(m.ABI))
	check("name", checkName(m.Name))
	check("version", checkVersion(m.Version))
	check("title", checkTitle(m.Title))
	_, err := CompileSchema(m.InputSchema)
	check("input_schema", err)
	_, err = CompileSchema(m.OutputSchema)
	check("output_schema", err)
	for i, h := range m.Capabilities.Hosts {
		check(fmt.Sprintf("capabilities.hosts[%d]", i), CheckHostPattern(h))
	}
	for i, s := range m.Capabilities.Secrets {
		check(fmt.Sprintf("capabilities.secrets[%d]", i), checkSecretName(s))
	}
	check("limits.memory_mib", checkMemory(m.Limits.MemoryMiB))
	_, err = m.Limits.TimeoutDuration()
	check("limits.timeout", err)

	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %q: %w", ErrInvalidManifest, m.Ref(), errors.Join(errs...))
}

// TimeoutDuration parses Timeout. It returns 0 when Timeout is empty.
func (l Limits) TimeoutDuration() (time.Duration, error) {
	if l.Timeout == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(l.Timeout)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Go duration such as \"30s\"", l.Timeout)
	}
	if d <= 0 || d > MaxTimeout {
		return 0, fmt.Errorf("%s is outside (0, %s]", d, MaxTimeout)
	}
	return d, nil
}

func checkABI(abi string) error {
	if abi != ABIv1 {
		return fmt.Errorf("unsupported value %q, want %q", abi, ABIv1)
	}
	return nil
}

// CheckName checks an action name: dotted lowercase words, such as
// "ioc.extract".
func CheckName(name string) error { return checkName(name) }

func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%q is not a dotted lowercase name such as \"ioc.extract\"", name)
	}
	return nil
}

func checkVersion(v string) error {
	if !semverRE.MatchString(v) {
		return fmt.Errorf("%q is not a semantic version such as \"1.2.0\"", v)
	}
	return nil
}

func checkTitle(title string) error {
	switch {
	case strings.TrimSpace(title) == "":
		return errors.New("missing")
	case len(title) > maxTitleLen:
		return fmt.Errorf("longer than %d bytes", maxTitleLen)
	}
	return nil
}

func checkSecretName(name string) error {
	if !secretNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a secret name of letters, digits, '_', '.' and '-'", name)
	}
	return nil
}

func checkMemory(mib int) error {
	if mib < 0 || mib > MaxMemoryMiB {
		return fmt.Errorf("%d is outside [0, %d]", mib, MaxMemoryMiB)
	}
	return nil
}

// CheckHostPattern checks one entry of Capabilities.Hosts: AnyApprovedHost,
// a lowercase host name or IP address, optionally followed by ":port".
func CheckHostPattern(pattern string) error {
	if pattern == AnyApprovedHost {
		return nil
	}
	if strings.Contains(pattern, "/") {
		return fmt.Errorf("%q is not a host name: give the host without scheme or path", pattern)
	}
	host, port := pattern, ""
	if h, p, err := net.SplitHostPort(pattern); err == nil {
		host, port = h, p
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has an invalid port", pattern)
		}
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if !isHostName(host) {
		return fmt.Errorf("%q is not a lowercase host name or host:port", pattern)
	}
	return nil
}

func isHostName(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if !hostLabelRE.MatchString(label) {
			return false
		}
	}
	return true
}

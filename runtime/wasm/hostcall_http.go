package wasm

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/updraftsoar/updraft/actions"
)

const maxRedirects = 5

// Codes in the "error" object of an HTTP host call result.
const (
	httpCodeDenied         = CodeHostCallDenied
	httpCodeInvalidRequest = "invalid_request"
	httpCodeTooLarge       = "response_too_large"
	httpCodeTimeout        = "timeout"
	httpCodeFailed         = "http_failed"
)

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// httpRequest is the JSON a module passes to http_request. Body is base64
// in JSON.
type httpRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
}

// httpResult is the JSON http_request returns: a response or an error.
type httpResult struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
	Error   *envelopeError    `json:"error,omitempty"`
}

// deniedError is a request the host policy rejects.
type deniedError struct{ msg string }

func (e *deniedError) Error() string { return e.msg }

// hostPolicy decides which URLs a call may reach, before DNS resolution.
type hostPolicy struct {
	patterns []string // from the manifest, with "*" replaced by the approved hosts
}

func newHostPolicy(cfg Config, declared []string) hostPolicy {
	var p hostPolicy
	for _, d := range declared {
		if d == actions.AnyApprovedHost {
			p.patterns = append(p.patterns, cfg.ApprovedHosts...)
			continue
		}
		p.patterns = append(p.patterns, d)
	}
	for i, pat := range p.patterns {
		p.patterns[i] = strings.ToLower(pat)
	}
	return p
}

// check rejects a URL whose scheme is not http or https or whose host and
// port no pattern matches. A pattern without a port matches any port.
func (p hostPolicy) check(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return &deniedError{fmt.Sprintf("scheme %q is not allowed, use http or https", u.Scheme)}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, pat := range p.patterns {
		if pat == host || pat == net.JoinHostPort(host, port) {
			return nil
		}
	}
	return &deniedError{fmt.Sprintf("host %q is not in the action's capabilities.hosts", u.Host)}
}

// dialFunc dials one checked IP address, as "ip:port".
type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// newHTTPClient returns a client that ignores proxy settings, resolves
// host names with cfg.Resolver and checks every address before it dials
// it. The dialer checks the address again right before connect(2).
func newHTTPClient(cfg Config, dial *atomic.Pointer[dialFunc]) *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			return checkAddress(cfg, address)
		},
	}
	dial.Store(new(dialFunc(dialer.DialContext)))
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return dialChecked(ctx, cfg, *dial.Load(), network, address)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.HTTPTimeout,
	}
	return &http.Client{Transport: transport}
}

// dialChecked resolves the host of address, drops every address that
// checkAddress rejects and dials the others in order. It returns the
// first rejection when no address is left, without dialing.
func dialChecked(ctx context.Context, cfg Config, dial dialFunc,
	network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &deniedError{fmt.Sprintf("address %q has no port", address)}
	}
	ips, err := resolve(ctx, cfg.Resolver, host)
	if err != nil {
		return nil, err
	}

	var allowed []string
	var rejected error
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.Unmap().String(), port)
		if err := checkAddress(cfg, addr); err != nil {
			rejected = cmp.Or(rejected, err)
			continue
		}
		allowed = append(allowed, addr)
	}
	if len(allowed) == 0 {
		return nil, fmt.Errorf("host %q: %w", host, rejected)
	}

	var errs []error
	for _, addr := range allowed {
		conn, err := dial(ctx, network, addr)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// resolve returns the addresses of host, which may be an IP literal.
func resolve(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %q: no addresses", host)
	}
	return ips, nil
}

// checkAddress rejects a resolved address that is loopback, private,
// link-local, multicast or unspecified unless cfg allows it. Link-local
// covers cloud metadata addresses such as 169.254.169.254, which no
// setting allows.
func checkAddress(cfg Config, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &deniedError{fmt.Sprintf("address %q is not an IP address", address)}
	}
	ip := ap.Addr().Unmap()
	var class string
	switch {
	case ip.IsLoopback():
		if cfg.AllowLoopback {
			return nil
		}
		class = "a loopback address"
	case ip.IsPrivate() || sharedAddressSpace.Contains(ip):
		if cfg.AllowPrivate {
			return nil
		}
		class = "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		class = "a link-local address, such as a cloud metadata address"
	case ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		class = "a multicast address"
	case ip.IsUnspecified():
		class = "an unspecified address"
	default:
		return nil
	}
	return &deniedError{fmt.Sprintf("address %s is %s and is not allowed", ip, class)}
}

// doHTTP runs the request in raw and returns the JSON result for the
// module.
func (s *callState) doHTTP(ctx context.Context, raw []byte) []byte {
	resp, err := s.fetch(ctx, raw)
	if err != nil {
		resp = &httpResult{Error: s.httpError(ctx, err)}
	}
	out, err := json.Marshal(resp)
	if err != nil {
		out = []byte(`{"error":{"code":"http_failed","message":"encode result"}}`)
	}
	return out
}

var errTooLarge = errors.New("response too large")

func (s *callState) fetch(ctx context.Context, raw []byte) (*httpResult, error) {
	req, err := s.newRequest(ctx, raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.host.cfg.HTTPTimeout)
	defer cancel()
	req = req.WithContext(ctx)

	client := *s.host.client
	client.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return s.policy.check(next.URL)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	limit := s.host.cfg.MaxHTTPResponseBytes
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: body exceeds %d bytes", errTooLarge, limit)
	}
	headers := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		headers[k] = strings.Join(v, ", ")
	}
	return &httpResult{Status: resp.StatusCode, Headers: headers, Body: body}, nil
}

func (s *callState) newRequest(ctx context.Context, raw []byte) (*http.Request, error) {
	var hr httpRequest
	if err := json.Unmarshal(raw, &hr); err != nil {
		return nil, &invalidRequestError{fmt.Sprintf("request is not valid JSON: %v", err)}
	}
	if hr.Method == "" {
		hr.Method = http.MethodGet
	}
	u, err := url.Parse(hr.URL)
	if err != nil || u.Host == "" {
		return nil, &invalidRequestError{fmt.Sprintf("url %q is not an absolute URL", hr.URL)}
	}
	if err := s.policy.check(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(hr.Method), u.String(),
		bytes.NewReader(hr.Body))
	if err != nil {
		return nil, &invalidRequestError{err.Error()}
	}
	for k, v := range hr.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

type invalidRequestError struct{ msg string }

func (e *invalidRequestError) Error() string { return e.msg }

// httpError maps a failed request to the error object the module
// receives. It records rejections so that a failing call reports
// host_call_denied.
func (s *callState) httpError(ctx context.Context, err error) *envelopeError {
	var denied *deniedError
	var invalid *invalidRequestError
	switch {
	case errors.As(err, &denied):
		s.recordDenial(denied.msg)
		s.host.log.WarnContext(ctx, "host call rejected",
			"action", s.action.Manifest.Ref(), "reason", denied.msg)
		return &envelopeError{Code: httpCodeDenied, Message: denied.msg}
	case errors.As(err, &invalid):
		return &envelopeError{Code: httpCodeInvalidRequest, Message: invalid.msg}
	case errors.Is(err, errTooLarge):
		return &envelopeError{Code: httpCodeTooLarge, Message: err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		return &envelopeError{Code: httpCodeTimeout, Message: err.Error()}
	default:
		return &envelopeError{Code: httpCodeFailed, Message: err.Error()}
	}
}

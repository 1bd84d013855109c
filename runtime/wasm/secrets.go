package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// secretsFor reads the granted secrets, keyed by the names the manifest
// declares. grants maps a declared name to a stored secret name. A
// declared secret without a grant is left out, so the module finds it
// absent. A grant of a name that the manifest does not declare, or of a
// stored secret that cannot be read, fails the call with
// CodeSecretUnavailable.
func (h *Host) secretsFor(ctx context.Context, m *actions.Manifest,
	grants map[string]string) (map[string]string, error) {
	secrets := make(map[string]string, len(grants))
	for _, declared := range slices.Sorted(maps.Keys(grants)) {
		if !slices.Contains(m.Capabilities.Secrets, declared) {
			return nil, actionErr(CodeSecretUnavailable,
				"secret %q is granted but not declared in capabilities.secrets", declared)
		}
		stored := grants[declared]
		if h.cfg.Secrets == nil {
			return nil, actionErr(CodeSecretUnavailable,
				"secret %q: the server has no secret store", declared)
		}
		v, err := h.cfg.Secrets.Secret(ctx, stored)
		if err != nil {
			h.log.WarnContext(ctx, "secret unavailable",
				"action", m.Ref(), "secret", declared, "stored_secret", stored, "error", err)
			return nil, actionErr(CodeSecretUnavailable, "secret %q (stored as %q): %v",
				declared, stored, err)
		}
		secrets[declared] = v
	}
	return secrets, nil
}

// redactResult replaces each secret value inside the strings of a call's
// output, and in the message of its error, with "[redacted]". It runs
// after the output schema check, because a redacted value may no longer
// match the schema.
func redactResult(out json.RawMessage, err error, secrets map[string]string) (json.RawMessage, error) {
	redact := newRedactor(secrets)
	if aerr, ok := errors.AsType[*runtime.ActionError](err); ok {
		aerr.Message = redact(aerr.Message)
	}
	if len(out) == 0 || len(secrets) == 0 {
		return out, err
	}

	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return out, err // the schema check accepted it, so it is JSON
	}
	redacted, merr := json.Marshal(redactValue(v, redact))
	if merr != nil {
		return out, err
	}
	return redacted, err
}

// redactValue applies redact to every string and object key in v.
func redactValue(v any, redact func(string) string) any {
	switch v := v.(type) {
	case string:
		return redact(v)
	case []any:
		for i := range v {
			v[i] = redactValue(v[i], redact)
		}
		return v
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, item := range v {
			m[redact(k)] = redactValue(item, redact)
		}
		return m
	}
	return v
}

package designer

import (
	"reflect"
	"testing"
)

// secretCatalog is catalog with the secrets each action declares.
type secretCatalog struct {
	testCatalog
	secrets map[string][]string
}

func (c secretCatalog) ActionSecrets(ref string) ([]string, bool) {
	s, ok := c.secrets[ref]
	return s, ok
}

func TestValidate_ActionSecretGrants(t *testing.T) {
	cat := secretCatalog{
		testCatalog: catalog,
		secrets:     map[string][]string{"ioc.extract@1.0.0": {"api_key"}, "http.request@1.2.0": nil},
	}
	problem := func(field, msg string) []Problem {
		return []Problem{{NodeID: "extract", Field: field, Message: msg}}
	}
	tests := []struct {
		name    string
		action  string
		secrets string
		want    []Problem
	}{
		{"declared grant", "ioc.extract@1.0.0", `{"api_key": "vt_key"}`, nil},
		{"no grants", "ioc.extract@1.0.0", `{}`, nil},
		{"undeclared grant", "ioc.extract@1.0.0", `{"token": "vt_key"}`,
			problem("settings.secrets.token",
				`action "ioc.extract@1.0.0" does not declare the secret "token"; it declares api_key`)},
		{"action without secrets", "http.request@1.2.0", `{"token": "vt_key"}`,
			problem("settings.secrets.token",
				`action "http.request@1.2.0" declares no secrets, so it cannot be granted "token"`)},
		{"invalid stored name", "ioc.extract@1.0.0", `{"api_key": "VT Key"}`,
			problem("settings.secrets.api_key", `stored secret name "VT Key" is invalid; `+
				`pick a secret from the Secrets page (lowercase letters, digits, "_", "." or "-")`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := phishingPlaybook()
			setSettings(p, "extract", `{"action": "`+tt.action+`",
				"inputs": {"text": "${{ trigger.body }}"}, "secrets": `+tt.secrets+`}`)
			got := problemsOf(t, Validate(p, cat))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestValidate_SecretGrantsWithoutSecretCatalog(t *testing.T) {
	p := phishingPlaybook()
	setSettings(p, "extract", `{"action": "ioc.extract@1.0.0",
		"inputs": {"text": "x"}, "secrets": {"anything": "stored"}}`)
	if err := Validate(p, catalog); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

package openapicall

import (
	"reflect"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func TestNewRequest(t *testing.T) {
	cfg := &Config{
		Method: "POST",
		URL:    "https://api.example/v1/pets/{petId}/tags",
		Parameters: []Parameter{
			{Name: "petId", In: InPath, Input: "petId"},
			{Name: "tag", In: InQuery, Input: "tag"},
			{Name: "X-Trace", In: InHeader, Input: "X-Trace"},
		},
		Body: &Body{Input: "body", ContentType: "application/json"},
	}
	tests := []struct {
		name     string
		in       map[string]any
		wantURL  string
		wantBody string
		wantErr  string
	}{
		{"all parts", map[string]any{"petId": "a/b", "tag": []any{"x", "y"}, "X-Trace": "t1",
			"body": map[string]any{"name": "rex"}},
			"https://api.example/v1/pets/a%2Fb/tags?tag=x&tag=y", `{"name":"rex"}`, ""},
		{"number path value", map[string]any{"petId": 7.0},
			"https://api.example/v1/pets/7/tags", "", ""},
		{"missing path value", map[string]any{}, "", "", "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := NewRequest(cfg, tt.in)
			if tt.wantErr != "" {
				e, ok := err.(*sdk.Error)
				if !ok || e.Code != tt.wantErr {
					t.Fatalf("error = %v, want code %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.URL != tt.wantURL {
				t.Errorf("URL = %q, want %q", req.URL, tt.wantURL)
			}
			if string(req.Body) != tt.wantBody {
				t.Errorf("body = %s, want %s", req.Body, tt.wantBody)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name        string
		auth        []Auth
		secrets     map[string]string
		wantURL     string
		wantHeaders map[string]string
		wantErr     string
	}{
		{"bearer", []Auth{{Type: AuthBearer, Secret: "token"}}, map[string]string{"token": "t0k"},
			"https://api.example/x", map[string]string{"Authorization": "Bearer t0k"}, ""},
		{"basic", []Auth{{Type: AuthBasic, Secret: "login"}}, map[string]string{"login": "ann:pw"},
			"https://api.example/x", map[string]string{"Authorization": "Basic YW5uOnB3"}, ""},
		{"api key header", []Auth{{Type: AuthAPIKey, Secret: "key", In: InHeader, Name: "X-Key"}},
			map[string]string{"key": "k1"}, "https://api.example/x", map[string]string{"X-Key": "k1"}, ""},
		{"api key query", []Auth{{Type: AuthAPIKey, Secret: "key", In: InQuery, Name: "api key"}},
			map[string]string{"key": "k&1"}, "https://api.example/x?api+key=k%261", map[string]string{}, ""},
		{"second granted", []Auth{{Type: AuthBearer, Secret: "token"},
			{Type: AuthAPIKey, Secret: "key", In: InHeader, Name: "X-Key"}},
			map[string]string{"key": "k1"}, "https://api.example/x", map[string]string{"X-Key": "k1"}, ""},
		{"none granted", []Auth{{Type: AuthBearer, Secret: "token"}}, nil, "", nil, "secret_unavailable"},
		{"no auth", nil, nil, "https://api.example/x", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &sdk.Request{URL: "https://api.example/x", Headers: map[string]string{}}
			err := authenticate(sdk.NewTestContext(tt.secrets), &Config{Auth: tt.auth}, req)
			if tt.wantErr != "" {
				e, ok := err.(*sdk.Error)
				if !ok || e.Code != tt.wantErr {
					t.Fatalf("error = %v, want code %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.URL != tt.wantURL {
				t.Errorf("URL = %q, want %q", req.URL, tt.wantURL)
			}
			if !reflect.DeepEqual(req.Headers, tt.wantHeaders) {
				t.Errorf("headers = %v, want %v", req.Headers, tt.wantHeaders)
			}
		})
	}
}

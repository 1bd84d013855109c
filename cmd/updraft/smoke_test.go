package main

import (
	"net/http"
	"testing"
)

func TestServe_HealthzAndAuth(t *testing.T) {
	srv := startServer(t)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz status = %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/playbooks", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list playbooks status = %d", resp.StatusCode)
	}
}

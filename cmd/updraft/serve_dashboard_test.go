package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/updraftsoar/updraft/server"
)

func TestServeFlags_MinutesPerAlert(t *testing.T) {
	noEnv := func(string) string { return "" }
	var out bytes.Buffer

	cfg, err := parseServeFlags(nil, noEnv, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinutesPerAlert != server.DefaultMinutesPerAlert {
		t.Errorf("default = %d, want %d", cfg.MinutesPerAlert, server.DefaultMinutesPerAlert)
	}

	cfg, err = parseServeFlags([]string{"--minutes-per-alert", "25"}, noEnv, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinutesPerAlert != 25 {
		t.Errorf("set = %d, want 25", cfg.MinutesPerAlert)
	}

	for _, value := range []string{"0", "-5"} {
		_, err := parseServeFlags([]string{"--minutes-per-alert", value}, noEnv, &out)
		if want := "--minutes-per-alert must be positive"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("--minutes-per-alert %s: error = %v, want %q", value, err, want)
		}
	}
}

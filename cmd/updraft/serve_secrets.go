package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/updraftsoar/updraft/store"
)

// openSecrets loads the secret key, generating <data dir>/secret.key on
// first start when no key file is configured, and returns the encrypted
// secrets of st.
func openSecrets(cfg config, st *store.Store) (*store.SecretStore, error) {
	path, create := cfg.SecretKeyFile, false
	if path == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		path, create = filepath.Join(cfg.DataDir, store.SecretKeyFile), true
	}
	key, err := store.LoadSecretKey(path, create)
	if err != nil {
		return nil, err
	}
	return store.NewSecretStore(st, key)
}

//go:build !unix

package store

import (
	"errors"
	"os"
)

// lockDataDir fails because the embedded database needs flock and unix
// sockets.
func lockDataDir(dir string) (*os.File, error) {
	return nil, errors.New("embedded database is not supported on this system: pass a MongoDB URI")
}

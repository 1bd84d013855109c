package runtime

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// runIDEncoding is base32 with the extended hex alphabet, lower-cased,
// whose digits sort in the same order as the bytes they encode.
var runIDEncoding = base32.NewEncoding(strings.ToLower(
	"0123456789ABCDEFGHIJKLMNOPQRSTUV")).WithPadding(base32.NoPadding)

// newRunID returns a 26-character URL-safe id: 48 bits of milliseconds
// since the Unix epoch followed by 80 random bits, so ids sort by creation
// time to the millisecond and cannot be guessed.
func newRunID(now time.Time) (string, error) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		return "", err
	}
	return runIDEncoding.EncodeToString(b[:]), nil
}

// IdempotentRunID returns the run id for the request key within scope,
// such as a webhook's retries of one alert: the same scope and key give
// the same id. It has the form of a random run id, without the time
// prefix, so runs with such ids do not sort by creation time.
func IdempotentRunID(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return runIDEncoding.EncodeToString(sum[:16])
}

// validRunID reports whether id has the form of a run id.
func validRunID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'v') {
			return false
		}
	}
	return true
}

// stepID returns the id of the step of node nodeID in run runID.
func stepID(runID, nodeID string) string {
	return runID + "/" + nodeID
}

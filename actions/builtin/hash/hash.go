// Package hash is the bundled action hash.compute: it computes MD5,
// SHA-1, SHA-256 and SHA-512 digests of text or of bytes given in base64.
package hash

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"slices"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Algorithms lists the digests hash.compute supports, in output order.
var Algorithms = []string{"md5", "sha1", "sha256", "sha512"}

var newHash = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New,
}

// Input is the input of hash.compute. Exactly one of Text and Base64 is
// set.
type Input struct {
	Text   *string `json:"text"`
	Base64 *string `json:"base64"`
	// Algorithms selects digests; empty means all of Algorithms.
	Algorithms []string `json:"algorithms"`
}

// Output is the output of hash.compute: lowercase hex digests by
// algorithm name, and the size of the hashed bytes.
type Output struct {
	Size   int    `json:"size"`
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	SHA512 string `json:"sha512,omitempty"`
}

// Run is the action function of hash.compute.
func Run(_ *sdk.Context, in Input) (Output, error) {
	data, err := inputBytes(in)
	if err != nil {
		return Output{}, err
	}
	return Compute(data, in.Algorithms)
}

// Compute returns the digests of data for the named algorithms, or for
// all of Algorithms when algorithms is empty. An unknown name is an
// *sdk.Error with code invalid_input.
func Compute(data []byte, algorithms []string) (Output, error) {
	if len(algorithms) == 0 {
		algorithms = Algorithms
	}
	out := Output{Size: len(data)}
	fields := map[string]*string{
		"md5": &out.MD5, "sha1": &out.SHA1, "sha256": &out.SHA256, "sha512": &out.SHA512,
	}
	for _, name := range algorithms {
		if !slices.Contains(Algorithms, name) {
			return Output{}, sdk.Errorf(sdk.CodeInvalidInput,
				"algorithm %q is not supported; use md5, sha1, sha256 or sha512", name)
		}
		h := newHash[name]()
		h.Write(data)
		*fields[name] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

func inputBytes(in Input) ([]byte, error) {
	switch {
	case in.Text != nil && in.Base64 != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "input has both text and base64; give one")
	case in.Text != nil:
		return []byte(*in.Text), nil
	case in.Base64 != nil:
		data, err := base64.StdEncoding.DecodeString(*in.Base64)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeInvalidInput, "base64: %v", err)
		}
		return data, nil
	}
	return nil, sdk.Errorf(sdk.CodeInvalidInput, "input has neither text nor base64")
}

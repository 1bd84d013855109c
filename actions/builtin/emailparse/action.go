// Package emailparse is the bundled action email.parse: it reads a raw
// RFC 5322 message, such as a reported phishing email, into headers,
// bodies, URLs, attachment hashes, received hops and authentication
// results.
package emailparse

import (
	"encoding/base64"
	"strings"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Input is the input of email.parse. Exactly one field is set.
type Input struct {
	EML       *string `json:"eml"`
	EMLBase64 *string `json:"eml_base64"`
}

// Run is the action function of email.parse.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	raw, err := inputBytes(in)
	if err != nil {
		return Output{}, err
	}
	out, err := Parse(raw)
	if err != nil {
		return Output{}, sdk.Errorf("invalid_email", "%v", err)
	}
	for _, w := range out.Warnings {
		ctx.Warn(w)
	}
	return out, nil
}

func inputBytes(in Input) ([]byte, error) {
	switch {
	case in.EML != nil && in.EMLBase64 != nil:
		return nil, sdk.Errorf(sdk.CodeInvalidInput, "input has both eml and eml_base64; give one")
	case in.EML != nil:
		return []byte(*in.EML), nil
	case in.EMLBase64 != nil:
		// Line breaks are common in base64 copied from mail tools.
		clean := strings.NewReplacer("\r", "", "\n", "", " ", "", "\t", "").Replace(*in.EMLBase64)
		raw, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeInvalidInput, "eml_base64: %v", err)
		}
		return raw, nil
	}
	return nil, sdk.Errorf(sdk.CodeInvalidInput, "input has neither eml nor eml_base64")
}

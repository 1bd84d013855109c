// Package iocextract is the bundled action ioc.extract: it finds typed
// indicators of compromise in free text.
package iocextract

import "github.com/updraftsoar/updraft/actions/sdk"

// Input is the input of ioc.extract.
type Input struct {
	Text string `json:"text"`
}

// Run is the action function of ioc.extract.
func Run(_ *sdk.Context, in Input) (Output, error) {
	return Extract(in.Text), nil
}

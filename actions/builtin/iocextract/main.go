// Command iocextract is the bundled action ioc.extract: it finds typed
// indicators of compromise in free text.
package main

import "github.com/updraftsoar/updraft/actions/sdk"

// Input is the input of ioc.extract.
type Input struct {
	Text string `json:"text"`
}

func main() {
	sdk.Run(func(_ *sdk.Context, in Input) (Result, error) {
		return Extract(in.Text), nil
	})
}

// Command listmatch is the bundled action list.match: it checks indicators
// against a list such as a blocklist.
package main

import "github.com/updraftsoar/updraft/actions/sdk"

func main() {
	sdk.Run(func(_ *sdk.Context, in Input) (Result, error) {
		return MatchList(in), nil
	})
}

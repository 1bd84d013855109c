// Package listmatch is the bundled action list.match: it checks indicators
// against a list such as a blocklist.
package listmatch

import "github.com/updraftsoar/updraft/actions/sdk"

// Run is the action function of list.match.
func Run(_ *sdk.Context, in Input) (Output, error) {
	return MatchList(in), nil
}

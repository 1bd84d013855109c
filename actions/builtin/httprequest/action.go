// Package httprequest is the bundled action http.request: it sends one
// HTTP request to a host the administrator approved.
package httprequest

import "github.com/updraftsoar/updraft/actions/sdk"

// Run is the action function of http.request.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	req := BuildRequest(in)
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	ctx.Logf("%s %s returned status %d", req.Method, req.URL, resp.Status)
	return ParseResponse(in, resp)
}

// Package httprequest is the bundled action http.request: it sends one
// HTTP request to a host the administrator approved.
package httprequest

import "github.com/updraftsoar/updraft/actions/sdk"

const idempotencyHeader = "Idempotency-Key"

// Run is the action function of http.request. It sends the step's
// idempotency key as the Idempotency-Key header unless the input sets that
// header, so a receiver can tell a retried attempt from a new call.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	req := BuildRequest(in)
	if ctx.IdempotencyKey != "" && !hasHeader(req.Headers, idempotencyHeader) {
		req.Headers[idempotencyHeader] = ctx.IdempotencyKey
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	ctx.Logf("%s %s returned status %d", req.Method, req.URL, resp.Status)
	return ParseResponse(in, resp)
}

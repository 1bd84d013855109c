// Command httprequest is the bundled action http.request: it sends one
// HTTP request to a host the administrator approved.
package main

import "github.com/updraftsoar/updraft/actions/sdk"

func main() {
	sdk.Run(func(ctx *sdk.Context, in Input) (Output, error) {
		req := BuildRequest(in)
		resp, err := ctx.HTTP(req)
		if err != nil {
			return Output{}, err
		}
		ctx.Logf("%s %s returned status %d", req.Method, req.URL, resp.Status)
		return ParseResponse(in, resp)
	})
}

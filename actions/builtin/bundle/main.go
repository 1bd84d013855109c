// Command bundle is the one WebAssembly module that serves every bundled
// action. The build tool compiles it once into bundle.wasm, and each
// action's manifest names one of the functions registered here.
package main

import "github.com/updraftsoar/updraft/actions/sdk"

// init registers the functions, because a reactor build
// (-buildmode=c-shared) runs init but never main.
func init() {
	registerLocal()
	registerVendor()
}

func main() {
	sdk.Serve()
}

package main

import (
	"github.com/updraftsoar/updraft/actions/builtin/httprequest"
	"github.com/updraftsoar/updraft/actions/builtin/iocextract"
	"github.com/updraftsoar/updraft/actions/builtin/listmatch"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// registerLocal registers the actions that need no vendor service.
func registerLocal() {
	sdk.Handle("http.request", httprequest.Run)
	sdk.Handle("ioc.extract", iocextract.Run)
	sdk.Handle("list.match", listmatch.Run)
}

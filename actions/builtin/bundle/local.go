package main

import (
	"github.com/updraftsoar/updraft/actions/builtin/defang"
	"github.com/updraftsoar/updraft/actions/builtin/emailparse"
	"github.com/updraftsoar/updraft/actions/builtin/hash"
	"github.com/updraftsoar/updraft/actions/builtin/httprequest"
	"github.com/updraftsoar/updraft/actions/builtin/iocextract"
	"github.com/updraftsoar/updraft/actions/builtin/ipclassify"
	"github.com/updraftsoar/updraft/actions/builtin/jsontransform"
	"github.com/updraftsoar/updraft/actions/builtin/listmatch"
	"github.com/updraftsoar/updraft/actions/builtin/regexextract"
	"github.com/updraftsoar/updraft/actions/builtin/urlparse"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// registerLocal registers the actions that need no vendor service.
func registerLocal() {
	sdk.Handle("domain.parse", urlparse.RunDomain)
	sdk.Handle("email.parse", emailparse.Run)
	sdk.Handle("hash.compute", hash.Run)
	sdk.Handle("http.request", httprequest.Run)
	sdk.Handle("ioc.defang", defang.RunDefang)
	sdk.Handle("ioc.extract", iocextract.Run)
	sdk.Handle("ioc.refang", defang.RunRefang)
	sdk.Handle("ip.classify", ipclassify.Run)
	sdk.Handle("json.transform", jsontransform.Run)
	sdk.Handle("list.match", listmatch.Run)
	sdk.Handle("regex.extract", regexextract.Run)
	sdk.Handle("url.parse", urlparse.Run)
}

package main

import (
	"github.com/updraftsoar/updraft/actions/builtin/abuseipdb"
	"github.com/updraftsoar/updraft/actions/builtin/crowdstrike"
	"github.com/updraftsoar/updraft/actions/builtin/jira"
	"github.com/updraftsoar/updraft/actions/builtin/okta"
	"github.com/updraftsoar/updraft/actions/builtin/openapicall"
	"github.com/updraftsoar/updraft/actions/builtin/opnsense"
	"github.com/updraftsoar/updraft/actions/builtin/servicenow"
	"github.com/updraftsoar/updraft/actions/builtin/slack"
	"github.com/updraftsoar/updraft/actions/builtin/teams"
	"github.com/updraftsoar/updraft/actions/builtin/thehive"
	"github.com/updraftsoar/updraft/actions/builtin/urlhaus"
	"github.com/updraftsoar/updraft/actions/builtin/virustotal"
	"github.com/updraftsoar/updraft/actions/builtin/webhook"
	"github.com/updraftsoar/updraft/actions/sdk"
)

// registerVendor registers the actions that call a vendor's API.
func registerVendor() {
	sdk.Handle("virustotal.lookup", virustotal.Run)
	sdk.Handle("abuseipdb.check", abuseipdb.Run)
	sdk.Handle("urlhaus.lookup", urlhaus.Run)
	sdk.Handle("slack.notify", slack.Run)
	sdk.Handle("teams.notify", teams.Run)
	sdk.Handle("webhook.notify", webhook.Run)
	sdk.Handle("jira.issue_create", jira.Run)
	sdk.Handle("servicenow.incident_create", servicenow.Run)
	sdk.Handle("thehive.alert_create", thehive.Run)
	sdk.Handle("opnsense.block_ip", opnsense.Run)
	sdk.Handle("crowdstrike.contain", crowdstrike.Run)
	sdk.Handle("okta.user_suspend", okta.Run)
	sdk.HandlePrefix(openapicall.Prefix, openapicall.Run)
}

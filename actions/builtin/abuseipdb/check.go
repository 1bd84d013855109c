// Package abuseipdb is the bundled action abuseipdb.check: it checks an IP
// address against the AbuseIPDB API v2 CHECK endpoint.
package abuseipdb

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor        = "abuseipdb"
	defaultBase   = "https://api.abuseipdb.com/api/v2"
	secretKey     = "abuseipdb_api_key"
	defaultMaxAge = 30
)

// Input is the input of abuseipdb.check.
type Input struct {
	IP string `json:"ip"`
	// MaxAgeInDays limits the reports counted to the last 1 to 365 days;
	// 0 means 30.
	MaxAgeInDays int    `json:"max_age_in_days"`
	BaseURL      string `json:"base_url"`
}

// Output is the output of abuseipdb.check.
type Output struct {
	IPAddress            string `json:"ip_address"`
	AbuseConfidenceScore int    `json:"abuse_confidence_score"`
	TotalReports         int    `json:"total_reports"`
	CountryCode          string `json:"country_code"`
	ISP                  string `json:"isp"`
	UsageType            string `json:"usage_type"`
	Domain               string `json:"domain"`
	// IsWhitelisted is nil when AbuseIPDB returns null for it.
	IsWhitelisted  *bool  `json:"is_whitelisted"`
	IsTor          bool   `json:"is_tor"`
	LastReportedAt string `json:"last_reported_at"`
}

// checkResponse is the CHECK endpoint's body. Fields that AbuseIPDB may
// return as null decode to their zero value.
type checkResponse struct {
	Data struct {
		IPAddress            string `json:"ipAddress"`
		AbuseConfidenceScore int    `json:"abuseConfidenceScore"`
		TotalReports         int    `json:"totalReports"`
		CountryCode          string `json:"countryCode"`
		ISP                  string `json:"isp"`
		UsageType            string `json:"usageType"`
		Domain               string `json:"domain"`
		IsWhitelisted        *bool  `json:"isWhitelisted"`
		IsTor                bool   `json:"isTor"`
		LastReportedAt       string `json:"lastReportedAt"`
	} `json:"data"`
}

// errorResponse is the AbuseIPDB API v2 error body.
type errorResponse struct {
	Errors []struct {
		Detail string `json:"detail"`
		Status int    `json:"status"`
	} `json:"errors"`
}

// Run sends GET /check?ipAddress=&maxAgeInDays= with the Key header.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(in.IP))
	if err != nil {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input ip %q is not an IP address", in.IP)
	}
	maxAge := in.MaxAgeInDays
	if maxAge == 0 {
		maxAge = defaultMaxAge
	}
	if maxAge < 1 || maxAge > 365 {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput,
			"input max_age_in_days %d is outside 1 to 365", in.MaxAgeInDays)
	}
	base, err := vendorapi.BaseURL(in.BaseURL, defaultBase)
	if err != nil {
		return Output{}, err
	}
	key, err := vendorapi.Secret(ctx, secretKey)
	if err != nil {
		return Output{}, err
	}

	query := url.Values{"ipAddress": {addr.String()}, "maxAgeInDays": {strconv.Itoa(maxAge)}}
	req := &sdk.Request{
		Method:  "GET",
		URL:     base + "/check?" + query.Encode(),
		Headers: map[string]string{"Key": key, "Accept": "application/json"},
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, errorDetail(resp))
	}

	var body checkResponse
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	d := body.Data
	return Output{
		IPAddress:            d.IPAddress,
		AbuseConfidenceScore: d.AbuseConfidenceScore,
		TotalReports:         d.TotalReports,
		CountryCode:          d.CountryCode,
		ISP:                  d.ISP,
		UsageType:            d.UsageType,
		Domain:               d.Domain,
		IsWhitelisted:        d.IsWhitelisted,
		IsTor:                d.IsTor,
		LastReportedAt:       d.LastReportedAt,
	}, nil
}

// errorDetail joins the detail of each error in an AbuseIPDB error body.
func errorDetail(resp *sdk.Response) string {
	var e errorResponse
	if err := resp.JSON(&e); err != nil {
		return ""
	}
	details := make([]string, 0, len(e.Errors))
	for _, item := range e.Errors {
		details = append(details, item.Detail)
	}
	return strings.Join(details, "; ")
}

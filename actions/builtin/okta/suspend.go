// Package okta is the bundled action okta.user_suspend: it suspends an
// Okta user through the Okta Management API.
package okta

import (
	"net/url"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor      = "okta"
	secretToken = "okta_api_token"
)

// Input is the input of okta.user_suspend.
type Input struct {
	// BaseURL is the Okta org, such as https://acme.okta.com.
	BaseURL string `json:"base_url"`
	// UserID is the user's id, login or unambiguous login short name.
	UserID string `json:"user_id"`
}

// Output is the output of okta.user_suspend.
type Output struct {
	Suspended bool   `json:"suspended"`
	UserID    string `json:"user_id"`
}

// Run sends POST /api/v1/users/<id>/lifecycle/suspend with the
// Authorization: SSWS <token> header. Okta suspends only ACTIVE users and
// returns 400 for any other status.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	user := strings.TrimSpace(in.UserID)
	if user == "" {
		return Output{}, sdk.Errorf(vendorapi.CodeInvalidInput, "input user_id is empty")
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	token, err := vendorapi.Secret(ctx, secretToken)
	if err != nil {
		return Output{}, err
	}

	req := &sdk.Request{
		Method: "POST",
		URL:    base + "/api/v1/users/" + url.PathEscape(user) + "/lifecycle/suspend",
		Headers: map[string]string{
			"Authorization": "SSWS " + token,
			"Accept":        "application/json",
			"Content-Type":  "application/json",
		},
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	if !vendorapi.OK(resp.Status) {
		return Output{}, vendorapi.StatusError(vendor, req, resp, errorDetail(resp))
	}
	return Output{Suspended: true, UserID: user}, nil
}

// errorDetail returns "errorCode: errorSummary" and the causes from an
// Okta error body.
func errorDetail(resp *sdk.Response) string {
	var e struct {
		ErrorCode    string `json:"errorCode"`
		ErrorSummary string `json:"errorSummary"`
		ErrorCauses  []struct {
			ErrorSummary string `json:"errorSummary"`
		} `json:"errorCauses"`
	}
	if err := resp.JSON(&e); err != nil || e.ErrorCode == "" {
		return ""
	}
	detail := e.ErrorCode + ": " + e.ErrorSummary
	for _, c := range e.ErrorCauses {
		detail += "; " + c.ErrorSummary
	}
	return detail
}

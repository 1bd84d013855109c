// Package crowdstrike is the bundled action crowdstrike.contain: it
// network-contains Falcon hosts, or lifts their containment, through the
// CrowdStrike Falcon API.
package crowdstrike

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/internal/vendorapi"
	"github.com/updraftsoar/updraft/actions/sdk"
)

const (
	vendor             = "crowdstrike"
	secretClientID     = "crowdstrike_client_id"
	secretClientSecret = "crowdstrike_client_secret"
	// maxDevices is the limit of ids per devices-actions request.
	maxDevices = 100
)

// deviceID matches a Falcon agent id (AID): 32 hex characters.
var deviceID = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// Input is the input of crowdstrike.contain.
type Input struct {
	// BaseURL is the tenant's API cloud, such as
	// https://api.us-2.crowdstrike.com.
	BaseURL   string   `json:"base_url"`
	DeviceIDs []string `json:"device_ids"`
	// Action is contain (the default) or lift_containment.
	Action string `json:"action,omitempty"`
}

// Output is the output of crowdstrike.contain.
type Output struct {
	Action string `json:"action"`
	// DeviceIDs are the hosts that Falcon accepted the action for.
	DeviceIDs []string `json:"device_ids"`
}

// apiErrors is the errors array of a Falcon API response.
type apiErrors struct {
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e apiErrors) detail() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, item := range e.Errors {
		msgs = append(msgs, item.Message)
	}
	return strings.Join(msgs, "; ")
}

// Run gets an OAuth2 token with the client credentials, then sends POST
// /devices/entities/devices-actions/v2?action_name=<action> with the ids.
func Run(ctx *sdk.Context, in Input) (Output, error) {
	action, err := checkInput(in)
	if err != nil {
		return Output{}, err
	}
	base, err := vendorapi.BaseURL(in.BaseURL, "")
	if err != nil {
		return Output{}, err
	}
	token, err := accessToken(ctx, base)
	if err != nil {
		return Output{}, err
	}

	req, err := vendorapi.NewJSONRequest("POST",
		base+"/devices/entities/devices-actions/v2?"+url.Values{"action_name": {action}}.Encode(),
		map[string]string{"Authorization": "Bearer " + token},
		map[string][]string{"ids": in.DeviceIDs})
	if err != nil {
		return Output{}, err
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return Output{}, err
	}
	var body struct {
		apiErrors
		Resources []struct {
			ID string `json:"id"`
		} `json:"resources"`
	}
	if !vendorapi.OK(resp.Status) {
		_ = resp.JSON(&body)
		return Output{}, vendorapi.StatusError(vendor, req, resp, body.detail())
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return Output{}, err
	}
	out := Output{Action: action, DeviceIDs: []string{}}
	for _, r := range body.Resources {
		out.DeviceIDs = append(out.DeviceIDs, r.ID)
	}
	if len(body.Errors) > 0 {
		ctx.Warn("crowdstrike: devices-actions reported errors: " + body.detail())
	}
	return out, nil
}

func checkInput(in Input) (string, error) {
	action := in.Action
	if action == "" {
		action = "contain"
	}
	if action != "contain" && action != "lift_containment" {
		return "", sdk.Errorf(vendorapi.CodeInvalidInput, "input action %q is not contain or lift_containment", in.Action)
	}
	if len(in.DeviceIDs) == 0 || len(in.DeviceIDs) > maxDevices {
		return "", sdk.Errorf(vendorapi.CodeInvalidInput,
			"input device_ids has %d ids, want 1 to %d", len(in.DeviceIDs), maxDevices)
	}
	for i, id := range in.DeviceIDs {
		if !deviceID.MatchString(id) {
			return "", sdk.Errorf(vendorapi.CodeInvalidInput, "input device_ids[%d] %q is not a 32-character hex host id", i, id)
		}
	}
	return action, nil
}

// accessToken exchanges the client id and secret for a bearer token at
// POST /oauth2/token (form-encoded client credentials).
func accessToken(ctx *sdk.Context, base string) (string, error) {
	id, err := vendorapi.Secret(ctx, secretClientID)
	if err != nil {
		return "", err
	}
	secret, err := vendorapi.Secret(ctx, secretClientSecret)
	if err != nil {
		return "", err
	}

	req := &sdk.Request{
		Method: "POST",
		URL:    base + "/oauth2/token",
		Headers: map[string]string{
			"Content-Type": "application/x-www-form-urlencoded",
			"Accept":       "application/json",
		},
		Body: []byte(url.Values{"client_id": {id}, "client_secret": {secret}}.Encode()),
	}
	resp, err := ctx.HTTP(req)
	if err != nil {
		return "", err
	}

	var body struct {
		apiErrors
		AccessToken string `json:"access_token"`
	}
	if !vendorapi.OK(resp.Status) {
		_ = resp.JSON(&body)
		return "", vendorapi.StatusError(vendor, req, resp, body.detail())
	}
	if err := vendorapi.DecodeJSON(vendor, resp, &body); err != nil {
		return "", err
	}
	if body.AccessToken == "" {
		return "", sdk.Errorf(vendorapi.CodeVendorError, "crowdstrike: POST /oauth2/token returned no access_token")
	}
	return body.AccessToken, nil
}

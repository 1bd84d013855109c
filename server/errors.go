package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
)

// Error codes sent in the "code" field of an error response.
const (
	codeBadRequest           = "bad_request"
	codeInvalidJSON          = "invalid_json"
	codeInvalidBody          = "invalid_body"
	codeInvalidPlaybook      = "invalid_playbook"
	codeInvalidInputs        = "invalid_inputs"
	codeInvalidAnswer        = "invalid_answer"
	codeBodyTooLarge         = "body_too_large"
	codeUnsupportedMedia     = "unsupported_media_type"
	codeUnsupportedEncoding  = "unsupported_encoding"
	codeUnauthorized         = "unauthorized"
	codeForbidden            = "forbidden"
	codeCSRF                 = "csrf_token_invalid"
	codeNotFound             = "not_found"
	codeMethodNotAllowed     = "method_not_allowed"
	codeConflict             = "conflict"
	codeInternal             = "internal"
	codeServiceUnavailable   = "unavailable"
	codeOriginNotAllowed     = "origin_not_allowed"
	codeNoManualTrigger      = "no_manual_trigger"
	codeWebhookTriggerAbsent = "webhook_trigger_removed"
)

// Error is the error a handler returns. Status and Code select the response,
// Message is shown to the client, and Cause is logged but never sent.
type Error struct {
	Status   int
	Code     string
	Message  string
	Problems []designer.Problem // set for "invalid_playbook" and for "invalid_json" on a playbook body
	Cause    error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// errorf returns an *Error whose message is formatted from format and args.
func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// internalError wraps an unexpected failure. The client sees only that the
// request failed; the cause goes to the log.
func internalError(cause error) *Error {
	return &Error{
		Status:  http.StatusInternalServerError,
		Code:    codeInternal,
		Message: "internal error; the server log has the details under this request id",
		Cause:   cause,
	}
}

// storeError maps a store failure. ErrNotFound becomes 404 with notFound as
// the message, ErrConflict becomes 409, and anything else is internal.
func storeError(err error, notFound string) *Error {
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: codeNotFound, Message: notFound, Cause: err}
	case errors.Is(err, runtime.ErrConflict):
		return &Error{
			Status:  http.StatusConflict,
			Code:    codeConflict,
			Message: "the object was changed by another request; reload it and try again",
			Cause:   err,
		}
	}
	return internalError(err)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string             `json:"code"`
	Message   string             `json:"message"`
	Problems  []designer.Problem `json:"problems,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
}

// handleError is echo's HTTPErrorHandler: it writes every error as
// {"error":{"code":...,"message":...}} and logs the cause with the request id.
func (s *Server) handleError(err error, c echo.Context) {
	apiErr := toAPIError(err)
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	s.logError(c, apiErr, requestID)

	if c.Response().Committed {
		return
	}
	body := errorBody{Error: errorDetail{
		Code:      apiErr.Code,
		Message:   publicMessage(apiErr, requestID),
		Problems:  shortenProblems(apiErr.Problems),
		RequestID: requestID,
	}}
	if apiErr.Status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="updraft"`)
	}
	var writeErr error
	if c.Request().Method == http.MethodHead {
		writeErr = c.NoContent(apiErr.Status)
	} else {
		writeErr = c.JSON(apiErr.Status, body)
	}
	if writeErr != nil {
		s.log.Warn("error response not written", "request_id", requestID, "error", writeErr)
	}
}

// Bounds of the text in an error response. Messages can quote request
// input, such as a JSON path of a deeply nested body.
const (
	maxMessageBytes = 300
	maxProblems     = 100
)

// publicMessage returns the message sent to the client, cut to
// maxMessageBytes. An internal error names the request id instead of its
// cause, which goes to the log.
func publicMessage(apiErr *Error, requestID string) string {
	if apiErr.Code == codeInternal && requestID != "" {
		return "internal error; the server log has the cause under request id " + requestID
	}
	return shorten(apiErr.Message, maxMessageBytes)
}

// shortenProblems cuts each problem's field and message, and the list, to
// their bounds.
func shortenProblems(problems []designer.Problem) []designer.Problem {
	if len(problems) > maxProblems {
		problems = problems[:maxProblems]
	}
	out := make([]designer.Problem, len(problems))
	for i, p := range problems {
		p.Field = shorten(p.Field, maxMessageBytes)
		p.Message = shorten(p.Message, maxMessageBytes)
		out[i] = p
	}
	return out
}

func (s *Server) logError(c echo.Context, apiErr *Error, requestID string) {
	level := slog.LevelInfo
	if apiErr.Status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	attrs := []any{
		"request_id", requestID,
		"method", c.Request().Method,
		"path", c.Path(),
		"status", apiErr.Status,
		"code", apiErr.Code,
	}
	if apiErr.Cause != nil {
		attrs = append(attrs, "error", apiErr.Cause)
	}
	s.log.Log(c.Request().Context(), level, "request failed", attrs...)
}

// toAPIError turns any handler error into an *Error.
func toAPIError(err error) *Error {
	if apiErr, ok := errors.AsType[*Error](err); ok {
		return apiErr
	}
	if httpErr, ok := errors.AsType[*echo.HTTPError](err); ok {
		return fromEchoError(httpErr)
	}
	return internalError(err)
}

// fromEchoError converts the errors echo raises itself, such as an unknown
// route or a method that is not allowed.
func fromEchoError(e *echo.HTTPError) *Error {
	message := http.StatusText(e.Code)
	if m, ok := e.Message.(string); ok && m != "" {
		message = m
	}
	code := codeBadRequest
	switch e.Code {
	case http.StatusNotFound:
		code, message = codeNotFound, "no such route"
	case http.StatusMethodNotAllowed:
		code = codeMethodNotAllowed
	case http.StatusUnauthorized:
		code = codeUnauthorized
	case http.StatusForbidden:
		code = codeForbidden
	case http.StatusRequestEntityTooLarge:
		code = codeBodyTooLarge
	case http.StatusServiceUnavailable:
		code = codeServiceUnavailable
	}
	if e.Code >= http.StatusInternalServerError {
		return internalError(e)
	}
	return &Error{Status: e.Code, Code: code, Message: message, Cause: e.Internal}
}

package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/runtime"
)

// Default body limits. The webhook limit applies after decompression and
// to the trigger JSON parsed from the body, which becomes the trigger
// step's output, so it equals runtime.DefaultMaxOutputBytes.
const (
	DefaultMaxAPIBody     = 1 << 20
	DefaultMaxWebhookBody = runtime.DefaultMaxOutputBytes
)

// readBody reads the request body of c, failing with 413 when it is longer
// than limit bytes. what names the body in the error message.
func readBody(c echo.Context, limit int64, what string) ([]byte, error) {
	req := c.Request()
	if req.ContentLength > limit {
		return nil, tooLarge(what, limit)
	}
	body := http.MaxBytesReader(c.Response(), req.Body, limit)
	return readLimited(body, limit, what)
}

// readLimited reads all of r, failing with 413 when r holds more than limit
// bytes.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(what, limit)
		}
		if apiErr, ok := errors.AsType[*Error](err); ok {
			return nil, apiErr
		}
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    codeInvalidBody,
			Message: what + " could not be read",
			Cause:   err,
		}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(what, limit)
	}
	return data, nil
}

func tooLarge(what string, limit int64) *Error {
	return errorf(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
		"%s exceeds the limit of %s", what, formatSize(limit))
}

// formatSize formats a byte count as MiB or KiB when it divides evenly.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

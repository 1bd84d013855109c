package designer

import (
	"fmt"
	"regexp"
	"time"
)

// maxRetryAttempts bounds retry.attempts. A step that still fails after
// this many attempts needs a different fix than more attempts.
const maxRetryAttempts = 100

var errorCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkCommon checks the fields every node has: timeout, on_error, retry.
func checkCommon(c *nodeCheck, nt *nodeType) {
	n := c.node
	if !nt.canFail {
		fields := []struct {
			name string
			set  bool
		}{{"timeout", n.Timeout != ""}, {"on_error", n.OnError != ""}, {"retry", n.Retry != nil}}
		for _, f := range fields {
			if f.set {
				c.problemf(f.name, "a %s node cannot fail, so %s does not apply; remove it", n.Type, f.name)
			}
		}
		return
	}

	switch {
	case n.Timeout != "" && nt.waits:
		c.problemf("timeout", "%s nodes set how long they wait in their settings, "+
			"so timeout does not apply; remove it", n.Type)
	case n.Timeout != "":
		checkDuration(c, "timeout", n.Timeout)
	}
	switch n.OnError {
	case "", OnErrorFail, OnErrorRoute:
	case OnErrorContinue:
		if nt.continuePort == "" {
			c.problemf("on_error", `%s nodes have no port to continue through; `+
				`use "route" and connect the error port`, n.Type)
		}
	default:
		c.problemf("on_error", `invalid on_error %q; use "fail", "continue" or "route"`, n.OnError)
	}
	if n.Retry != nil {
		checkRetry(c, n.Retry)
	}
}

// checkDuration reports a value that is not a positive Go duration.
func checkDuration(c *nodeCheck, field, value string) (time.Duration, bool) {
	d, err := time.ParseDuration(value)
	switch {
	case err != nil:
		c.problemf(field, "invalid duration %q; write a number and a unit, such as \"30s\" or \"5m\"", value)
		return 0, false
	case d <= 0:
		c.problemf(field, "duration %q must be positive", value)
		return 0, false
	}
	return d, true
}

func checkRetry(c *nodeCheck, r *RetryPolicy) {
	if r.Attempts < 0 || r.Attempts > maxRetryAttempts {
		c.problemf("retry.attempts", "attempts %d out of range; use 0 to %d", r.Attempts, maxRetryAttempts)
	}

	var initial, maxDelay time.Duration
	initialOK, maxOK := false, false
	if r.InitialDelay != "" {
		initial, initialOK = checkDuration(c, "retry.initial_delay", r.InitialDelay)
	}
	if r.MaxDelay != "" {
		maxDelay, maxOK = checkDuration(c, "retry.max_delay", r.MaxDelay)
	}
	if initialOK && maxOK && maxDelay < initial {
		c.problemf("retry.max_delay", "max_delay %s is shorter than initial_delay %s", r.MaxDelay, r.InitialDelay)
	}

	for i, code := range r.RetryOn {
		if !errorCodePattern.MatchString(code) {
			c.problemf(fmt.Sprintf("retry.retry_on[%d]", i),
				"invalid error code %q; codes are snake_case words such as \"timeout\"", code)
		}
	}
}

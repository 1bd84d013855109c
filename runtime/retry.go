package runtime

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// Retry backoff defaults for a RetryPolicy that leaves the delays empty.
const (
	defaultRetryInitialDelay = time.Second
	defaultRetryMaxDelay     = time.Minute
)

// neverRetried are error codes that the same input reproduces, or that
// stop the whole run, so a retry cannot help.
var neverRetried = []string{
	CodeExpression, CodeCanceled, CodeInvalidSettings, CodeUnsupportedNode,
}

// retryDelay reports whether the failed step is retried and after what
// delay. RetryPolicy.Attempts counts every attempt, the first included.
// The delay is drawn by backoff with full jitter.
func (rs *runState) retryDelay(node *designer.Node, step *Step) (time.Duration, bool) {
	if step.Status != StepFailed || !retryable(node, step.Attempt, step.Error.Code) {
		return 0, false
	}
	if rs.ctx.Err() != nil {
		return 0, false
	}
	initial := parseDelay(node.Retry.InitialDelay, defaultRetryInitialDelay)
	maxDelay := parseDelay(node.Retry.MaxDelay, defaultRetryMaxDelay)
	return backoff(step.Attempt, initial, maxDelay, rand.Int64N), true
}

// backoff returns the wait after the failed attempt (1 for the first) with
// exponential backoff and full jitter: a uniform draw from 0 to a ceiling
// that starts at initial and doubles per attempt up to maxDelay. randN
// returns a uniform value in [0, n), as math/rand/v2's Int64N does.
func backoff(attempt int, initial, maxDelay time.Duration, randN func(n int64) int64) time.Duration {
	ceiling := max(initial, 0)
	for i := 1; i < attempt && ceiling < maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxDelay)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(randN(int64(ceiling) + 1))
}

// retryable reports whether a step of node that failed with code on
// attempt may run another attempt.
func retryable(node *designer.Node, attempt int, code string) bool {
	p := node.Retry
	if p == nil || attempt >= p.Attempts || slices.Contains(neverRetried, code) {
		return false
	}
	return len(p.RetryOn) == 0 || slices.Contains(p.RetryOn, code)
}

// parseDelay parses a Go duration and returns def for an empty, invalid
// or negative one.
func parseDelay(s string, def time.Duration) time.Duration {
	d, err := time.ParseDuration(s)
	if s == "" || err != nil || d < 0 {
		return def
	}
	return d
}

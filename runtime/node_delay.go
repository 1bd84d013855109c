package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/updraftsoar/updraft/designer"
)

// runDelay waits until the step's due time and leaves through success.
// The due time is stored when the step first starts, so a later owner
// waits for the same time.
func runDelay(ctx context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.DelaySettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	if call.rs.e.waits.timers == nil {
		return failed(CodeUnsupportedNode, "the store keeps no timers, so delay nodes cannot run")
	}
	due, serr := call.rs.delayDue(ctx, call, &settings)
	if serr != nil {
		return nodeResult{err: serr}
	}
	until := due.UTC().Format(time.RFC3339Nano)
	res := nodeResult{input: map[string]any{"until": until}}

	if time.Until(due) > 0 {
		rs := call.rs
		rs.e.waits.enter(rs)
		defer rs.e.waits.leave(rs)
		ev := newEvent(EventStepWaiting, call.node.ID, call.step.ID, map[string]any{"until": until})
		if err := rs.events.append(ev); err != nil {
			rs.log.Warn("event append failed", "event", EventStepWaiting, "error", err)
		}
		serr := rs.sleepUntil(ctx, due)
		if serr == errWaitStopped {
			return nodeResult{abandon: true}
		}
		if serr != nil {
			res.err = serr
			return res
		}
	}
	res.port = designer.PortSuccess
	res.output = map[string]any{"until": until}
	return res
}

// delayDue returns the stored due time of the step, or computes and
// stores it.
func (rs *runState) delayDue(ctx context.Context, call *nodeCall,
	s *designer.DelaySettings) (time.Time, *StepError) {
	timers := rs.e.waits.timers
	due, err := timers.GetTimer(ctx, call.step.ID)
	if err == nil {
		return due, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return time.Time{}, &StepError{Code: CodeAction, Message: fmt.Sprintf("read timer: %v", err)}
	}

	due, serr := evalDue(s, call.env, time.Now())
	if serr != nil {
		return time.Time{}, serr
	}
	if !rs.e.leases.owns(rs.run.ID) {
		return time.Time{}, &StepError{Code: CodeInterrupted, Message: errLeaseLost.Error()}
	}
	err = timers.InsertTimer(context.WithoutCancel(ctx), rs.run.ID, call.step.ID, due)
	if err != nil {
		return time.Time{}, &StepError{Code: CodeAction, Message: fmt.Sprintf("store timer: %v", err)}
	}
	return due, nil
}

// evalDue evaluates the duration or until setting into a due time. The
// store keeps times to the millisecond, so the due time is truncated to
// one, and every owner of the step waits for the same time.
func evalDue(s *designer.DelaySettings, env *designer.Env, now time.Time) (time.Time, *StepError) {
	if s.Duration != "" {
		v, err := evalValue(s.Duration, env)
		if err != nil {
			return time.Time{}, evalError("duration", err)
		}
		text, _ := v.(string)
		d, err := time.ParseDuration(text)
		if err != nil || d <= 0 {
			return time.Time{}, &StepError{Code: CodeInvalidSettings, Message: fmt.Sprintf(
				"settings.duration: %v is not a positive Go duration such as \"15m\"", v)}
		}
		return now.Add(d).Truncate(time.Millisecond), nil
	}

	v, err := evalValue(s.Until, env)
	if err != nil {
		return time.Time{}, evalError("until", err)
	}
	switch t := v.(type) {
	case time.Time:
		return t.Truncate(time.Millisecond), nil
	case string:
		parsed, err := time.Parse(time.RFC3339, t)
		if err == nil {
			return parsed.Truncate(time.Millisecond), nil
		}
	}
	return time.Time{}, &StepError{Code: CodeInvalidSettings, Message: fmt.Sprintf(
		"settings.until: %v is not an RFC 3339 time such as \"2026-12-03T10:20:00Z\"", v)}
}

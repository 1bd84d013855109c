package designer

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the formats parseTime accepts, tried in order. A layout
// without a zone reads the time as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,                // 2026-12-03T10:02:45.118Z (Elastic, Sentinel, most JSON)
	"2006-01-02T15:04:05.999999999", // ISO 8601 without a zone
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999", // QRadar and SQL exports
	time.RFC1123Z,                   // Mon, 02 Jan 2006 15:04:05 -0700 (email Date headers)
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"02/Jan/2006:15:04:05 -0700", // Apache and nginx access logs
	"Jan 2 2006 15:04:05",        // CEF rt
	"Jan 2 2006 15:04:05.000",
	"2006-01-02",
}

// Epoch numbers at or above this are milliseconds, below it seconds. As
// seconds it is the year 5138, as milliseconds 1973-03-03.
const epochMillisThreshold = 1e11

// parseTime implements parseTime(v). v is a string in one of timeLayouts,
// a number or numeric string of Unix seconds or milliseconds (Splunk's
// _time, epoch_millis), or a time, which is returned unchanged.
func parseTime(args ...any) (any, error) {
	t, err := toTime(args[0])
	if err != nil {
		return nil, fmt.Errorf("parseTime: %w", err)
	}
	return t, nil
}

// toTime converts a time, a string or an epoch number into a UTC time.
func toTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case float64:
		return epochTime(t), nil
	case int:
		return epochTime(float64(t)), nil
	case string:
		return parseTimeString(t)
	}
	return time.Time{}, fmt.Errorf("expected a time, a string or a number, got %s %s",
		typeName(v), preview(v))
}

func parseTimeString(s string) (time.Time, error) {
	trimmed := strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(trimmed, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return epochTime(f), nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, trimmed); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %s as a time; write RFC 3339, "+
		"such as \"2026-12-03T10:02:45Z\", or Unix seconds", preview(s))
}

func epochTime(f float64) time.Time {
	if math.Abs(f) >= epochMillisThreshold {
		return time.UnixMilli(int64(f)).UTC()
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// namedLayouts are the layout names formatTime accepts besides Go layouts.
var namedLayouts = map[string]string{
	"rfc3339":     time.RFC3339,
	"rfc3339nano": time.RFC3339Nano,
	"rfc1123":     time.RFC1123Z,
	"date":        time.DateOnly,
	"datetime":    time.DateTime,
}

// formatTime implements formatTime(t, layout). t is read as parseTime
// reads it. layout is a name of namedLayouts, "unix" or "unix_ms" for
// epoch numbers, or a Go layout such as "2006-01-02 15:04".
func formatTime(args ...any) (any, error) {
	t, err := toTime(args[0])
	if err != nil {
		return nil, fmt.Errorf("formatTime: %w", err)
	}
	layout, err := argString("formatTime", args, 1)
	if err != nil {
		return nil, err
	}

	switch layout {
	case "unix":
		return strconv.FormatInt(t.Unix(), 10), nil
	case "unix_ms":
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	if named, ok := namedLayouts[layout]; ok {
		layout = named
	}
	return t.UTC().Format(layout), nil
}

// addDuration implements addDuration(t, d): t plus d, where d is a
// duration or a duration string such as "90m", "-1h" or "7d".
func addDuration(args ...any) (any, error) {
	t, err := toTime(args[0])
	if err != nil {
		return nil, fmt.Errorf("addDuration: %w", err)
	}
	d, err := toDuration(args[1])
	if err != nil {
		return nil, fmt.Errorf("addDuration: %w", err)
	}
	return t.Add(d), nil
}

// since implements since(t): the duration from t to now, negative when t
// is in the future.
func since(args ...any) (any, error) {
	t, err := toTime(args[0])
	if err != nil {
		return nil, fmt.Errorf("since: %w", err)
	}
	return time.Since(t), nil
}

// dayPattern matches a count of days in a duration string, such as "7d".
var dayPattern = regexp.MustCompile(`(\d+)d`)

// toDuration converts a duration or a Go duration string that may also
// use "d" for 24 hours.
func toDuration(v any) (time.Duration, error) {
	switch d := v.(type) {
	case time.Duration:
		return d, nil
	case string:
		return parseDuration(d)
	}
	return 0, fmt.Errorf("expected a duration such as \"5m\", got %s %s", typeName(v), preview(v))
}

func parseDuration(s string) (time.Duration, error) {
	expanded := dayPattern.ReplaceAllStringFunc(s, func(m string) string {
		days, _ := strconv.Atoi(strings.TrimSuffix(m, "d"))
		return strconv.Itoa(days*24) + "h"
	})
	d, err := time.ParseDuration(expanded)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %s; write a number and a unit, "+
			"such as \"30s\", \"5m\", \"2h\" or \"7d\"", preview(s))
	}
	return d, nil
}

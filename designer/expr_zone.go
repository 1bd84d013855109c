package designer

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// offsetPattern matches a fixed UTC offset such as "+09:00" or "-0500".
var offsetPattern = regexp.MustCompile(`^([+-])(\d{2}):?(\d{2})$`)

// fixedZone returns the zone that name sets: "UTC", "Z" or a fixed offset.
// Zone names such as "Europe/Berlin" are rejected, because loading them
// reads the system's time zone files.
func fixedZone(name string) (*time.Location, error) {
	if name == "UTC" || name == "Z" {
		return time.UTC, nil
	}
	m := offsetPattern.FindStringSubmatch(name)
	if m == nil {
		return nil, fmt.Errorf("zone %s is not supported; write \"UTC\" or an offset such as \"+09:00\"",
			preview(name))
	}
	hours, _ := strconv.Atoi(m[2])
	minutes, _ := strconv.Atoi(m[3])
	seconds := hours*3600 + minutes*60
	if m[1] == "-" {
		seconds = -seconds
	}
	return time.FixedZone(name, seconds), nil
}

// timezoneFunc implements timezone(zone), which replaces expr-lang's so
// that no zone is loaded from the system.
func timezoneFunc(args ...any) (any, error) {
	name, err := argString("timezone", args, 0)
	if err != nil {
		return nil, err
	}
	loc, err := fixedZone(name)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	return loc, nil
}

// dateFunc implements date(v), date(v, layout) and date(v, layout, zone),
// which replace expr-lang's. date(v) reads v as parseTime does. With a
// layout, v is parsed with that Go layout in UTC or in zone.
func dateFunc(args ...any) (any, error) {
	if len(args) == 1 {
		t, err := toTime(args[0])
		if err != nil {
			return nil, fmt.Errorf("date: %w", err)
		}
		return t, nil
	}

	s, err := argString("date", args, 0)
	if err != nil {
		return nil, err
	}
	layout, err := argString("date", args, 1)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if len(args) == 3 {
		name, err := argString("date", args, 2)
		if err != nil {
			return nil, err
		}
		if loc, err = fixedZone(name); err != nil {
			return nil, fmt.Errorf("date: %w", err)
		}
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return nil, fmt.Errorf("date: cannot read %s with layout %q", preview(s), layout)
	}
	return t, nil
}

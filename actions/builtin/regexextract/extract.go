// Package regexextract is the bundled action regex.extract: it finds the
// matches of a regular expression in text, with their capture groups.
package regexextract

import (
	"regexp"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Limits of regex.extract. Go's regexp package (RE2 syntax) runs in time
// linear in the text, so no pattern can make it backtrack. The limits
// bound the size of the compiled program and of the output instead.
const (
	maxPatternBytes   = 4096
	defaultMaxMatches = 1000
	maxMatches        = 10000
)

// Input is the input of regex.extract.
type Input struct {
	Pattern string `json:"pattern"`
	Text    string `json:"text"`
	// All reports every match when nil or true, and only the first when
	// false.
	All *bool `json:"all"`
	// Flags are RE2 flags: i (case-insensitive), m (multi-line), s (dot
	// matches newline) and U (ungreedy).
	Flags string `json:"flags"`
	// MaxMatches caps the matches reported; 0 means defaultMaxMatches.
	MaxMatches int `json:"max_matches"`
}

// Match is one match of the pattern.
type Match struct {
	Value string `json:"value"`
	Start int    `json:"start"` // byte offset in the text
	End   int    `json:"end"`   // byte offset just after the match
	// Groups holds the numbered capture groups from 1, null for a group
	// that took no part in the match.
	Groups []*string `json:"groups"`
	// Named holds the named capture groups that took part in the match.
	Named map[string]string `json:"named"`
}

// Output is the output of regex.extract.
type Output struct {
	Matched   bool    `json:"matched"`
	Count     int     `json:"count"`
	Truncated bool    `json:"truncated"` // more matches exist than were reported
	Matches   []Match `json:"matches"`
}

// Run is the action function of regex.extract.
func Run(_ *sdk.Context, in Input) (Output, error) {
	re, limit, err := compile(in)
	if err != nil {
		return Output{}, err
	}
	locs := re.FindAllStringSubmatchIndex(in.Text, limit+1)
	out := Output{Matches: []Match{}}
	if len(locs) > limit {
		locs, out.Truncated = locs[:limit], true
	}
	for _, loc := range locs {
		out.Matches = append(out.Matches, newMatch(re, in.Text, loc))
	}
	out.Count = len(out.Matches)
	out.Matched = out.Count > 0
	return out, nil
}

// compile checks the input and returns the regexp and the number of
// matches to report.
func compile(in Input) (*regexp.Regexp, int, error) {
	if len(in.Pattern) > maxPatternBytes {
		return nil, 0, sdk.Errorf("invalid_pattern", "pattern is %d bytes, more than the maximum of %d",
			len(in.Pattern), maxPatternBytes)
	}
	if !validFlags.MatchString(in.Flags) {
		return nil, 0, sdk.Errorf("invalid_pattern", "flags %q may contain only i, m, s and U", in.Flags)
	}
	pattern := in.Pattern
	if in.Flags != "" {
		pattern = "(?" + in.Flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, 0, sdk.Errorf("invalid_pattern", "%v", err)
	}

	limit := in.MaxMatches
	switch {
	case limit < 0 || limit > maxMatches:
		return nil, 0, sdk.Errorf(sdk.CodeInvalidInput, "max_matches %d is not between 0 and %d",
			limit, maxMatches)
	case limit == 0:
		limit = defaultMaxMatches
	}
	if in.All != nil && !*in.All {
		limit = 1
	}
	return re, limit, nil
}

var validFlags = regexp.MustCompile(`^[imsU]*$`)

func newMatch(re *regexp.Regexp, text string, loc []int) Match {
	m := Match{
		Value:  text[loc[0]:loc[1]],
		Start:  loc[0],
		End:    loc[1],
		Groups: make([]*string, 0, re.NumSubexp()),
		Named:  map[string]string{},
	}
	names := re.SubexpNames()
	for i := 1; i <= re.NumSubexp(); i++ {
		start, end := loc[2*i], loc[2*i+1]
		if start < 0 {
			m.Groups = append(m.Groups, nil)
			continue
		}
		value := text[start:end]
		m.Groups = append(m.Groups, &value)
		if names[i] != "" {
			m.Named[names[i]] = value
		}
	}
	return m
}

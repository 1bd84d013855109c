package designer

import (
	"fmt"
	"regexp"
	"sync"
	"unicode/utf8"
)

// maxPatternLength bounds a regular expression, in characters. Go's
// regexp runs in time linear in the input, but compiling a long pattern
// costs memory, and an analyst's pattern is rarely longer than a line.
const maxPatternLength = 1000

// maxCachedRegexps bounds the regexp cache, which is dropped whole when it
// fills, like the program cache.
const maxCachedRegexps = 1024

var regexpCache struct {
	sync.Mutex
	entries map[string]*regexp.Regexp
}

// compileRegexp compiles pattern once and returns the cached *Regexp
// afterwards. Patterns longer than maxPatternLength are rejected.
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	regexpCache.Lock()
	re, ok := regexpCache.entries[pattern]
	regexpCache.Unlock()
	if ok {
		return re, nil
	}

	if n := utf8.RuneCountInString(pattern); n > maxPatternLength {
		return nil, fmt.Errorf("regular expression has %d characters; the maximum is %d",
			n, maxPatternLength)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}

	regexpCache.Lock()
	if regexpCache.entries == nil || len(regexpCache.entries) >= maxCachedRegexps {
		regexpCache.entries = make(map[string]*regexp.Regexp)
	}
	regexpCache.entries[pattern] = re
	regexpCache.Unlock()
	return re, nil
}

// regexArgs returns the text and the compiled pattern of a regex function
// call (text, pattern).
func regexArgs(fn string, args []any) (string, *regexp.Regexp, error) {
	s, err := argString(fn, args, 0)
	if err != nil {
		return "", nil, err
	}
	pattern, err := argString(fn, args, 1)
	if err != nil {
		return "", nil, err
	}
	re, err := compileRegexp(pattern)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", fn, err)
	}
	return s, re, nil
}

// regexMatch implements the matches operator: s matches pattern.
func regexMatch(args ...any) (any, error) {
	s, re, err := regexArgs("matches", args)
	if err != nil {
		return nil, err
	}
	return re.MatchString(s), nil
}

// regexExtract implements regexExtract(s, pattern): the first group of
// the first match when the pattern has a group, else the whole first
// match, or null when nothing matches.
func regexExtract(args ...any) (any, error) {
	s, re, err := regexArgs(fnRegexExtract, args)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatch(s)
	if m == nil {
		return nil, nil
	}
	return m[min(1, len(m)-1)], nil
}

// regexFindAll implements regexFindAll(s, pattern): every match, or the
// first group of every match when the pattern has a group, in order.
func regexFindAll(args ...any) (any, error) {
	s, re, err := regexArgs(fnRegexFindAll, args)
	if err != nil {
		return nil, err
	}
	group := min(1, re.NumSubexp())
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[group])
	}
	return out, nil
}

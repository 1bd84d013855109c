package listmatch

import (
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
)

// Indicator is an input indicator: a plain string or {"type","value"}.
type Indicator struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

// UnmarshalJSON accepts a JSON string or an object with "value" and an
// optional "type".
func (ind *Indicator) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*ind = Indicator{Value: s}
		return nil
	}
	type plain Indicator
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return errors.New("indicator must be a string or an object with \"type\" and \"value\"")
	}
	*ind = Indicator(p)
	return nil
}

// Input is the input of list.match.
type Input struct {
	Indicators []Indicator `json:"indicators"`
	List       []string    `json:"list"`
	Subdomains bool        `json:"subdomains"`
}

// Match is one indicator found on the list, with the list entry it
// matched.
type Match struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
	Entry string `json:"entry"`
}

// Output is the output of list.match.
type Output struct {
	Matches []Match `json:"matches"`
	Matched bool    `json:"matched"`
	Count   int     `json:"count"`
}

// list is a prepared list: exact entries by normalized value, and CIDR
// prefixes.
type list struct {
	exact    map[string]string // normalized value to the entry as written
	prefixes []prefixEntry
}

type prefixEntry struct {
	prefix netip.Prefix
	entry  string
}

// newList skips empty lines and lines that start with "#".
func newList(entries []string) *list {
	l := &list{exact: map[string]string{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || strings.HasPrefix(e, "#") {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			l.prefixes = append(l.prefixes, prefixEntry{p.Masked(), e})
			continue
		}
		if _, ok := l.exact[normalize(e)]; !ok {
			l.exact[normalize(e)] = e
		}
	}
	return l
}

// MatchList returns the indicators found on the list, each value once, in
// input order. Comparison ignores case except in URL paths. IP addresses
// also match CIDR entries, and with subdomains a domain matches the
// entries of its parent domains.
func MatchList(in Input) Output {
	l := newList(in.List)
	r := Output{Matches: []Match{}}
	seen := map[string]bool{}
	for _, ind := range in.Indicators {
		value := strings.TrimSpace(ind.Value)
		key := normalize(value)
		if value == "" || seen[key] {
			continue
		}
		entry, ok := l.lookup(key, in.Subdomains)
		if !ok {
			continue
		}
		seen[key] = true
		r.Matches = append(r.Matches, Match{Type: ind.Type, Value: value, Entry: entry})
	}
	r.Count = len(r.Matches)
	r.Matched = r.Count > 0
	return r
}

func (l *list) lookup(key string, subdomains bool) (string, bool) {
	if e, ok := l.exact[key]; ok {
		return e, true
	}
	if addr, err := netip.ParseAddr(key); err == nil {
		for _, p := range l.prefixes {
			if p.prefix.Contains(addr.Unmap()) {
				return p.entry, true
			}
		}
		return "", false
	}
	if !subdomains || strings.Contains(key, "/") {
		return "", false
	}
	for d := key; ; {
		_, parent, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(parent, ".") {
			return "", false
		}
		if e, ok := l.exact[parent]; ok {
			return e, true
		}
		d = parent
	}
}

// normalize lowercases a value, except the path of a URL, and writes IP
// addresses in their canonical form.
func normalize(v string) string {
	if addr, err := netip.ParseAddr(v); err == nil {
		return addr.Unmap().String()
	}
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok {
		return strings.TrimSuffix(strings.ToLower(v), ".")
	}
	i := strings.IndexAny(rest, "/?#")
	if i < 0 {
		i = len(rest)
	}
	return strings.ToLower(scheme) + "://" + strings.ToLower(rest[:i]) + rest[i:]
}

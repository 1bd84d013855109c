package iocextract

import (
	"net/netip"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/updraftsoar/updraft/actions/builtin/defang"
)

// Indicator types, in the order Extract reports them.
var indicatorTypes = []string{"url", "domain", "email", "ipv4", "ipv6", "md5", "sha1", "sha256"}

// Indicator is one typed indicator of compromise, refanged.
type Indicator struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Output is the output of ioc.extract.
type Output struct {
	Indicators []Indicator    `json:"indicators"`
	Counts     map[string]int `json:"counts"`
}

// reservedTLDs are names that the public suffix list omits but that appear
// in real alerts: RFC 2606 and RFC 6761 test names and common internal
// zones.
var reservedTLDs = map[string]bool{
	"example": true, "test": true, "invalid": true, "localhost": true,
	"local": true, "internal": true, "onion": true,
}

var (
	urlRE    = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'\x60{}|\\^]+`)
	emailRE  = regexp.MustCompile(`(?i)\b[a-z0-9._%+-]+@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62})\b`)
	domainRE = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}\b`)
	ipv4RE   = regexp.MustCompile(`\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b`)
	ipv6RE   = regexp.MustCompile(`(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[0-9a-z]+)?`)
	hashRE   = regexp.MustCompile(`(?i)\b[0-9a-f]{32,64}\b`)
)

// Extract finds the indicators in text, refanged, lowercased where case
// does not matter, deduplicated and sorted by type and then by first
// appearance. Domains inside URLs and email addresses are reported as
// domains too.
func Extract(text string) Output {
	text = defang.Refang(text)
	c := newCollector()
	for _, u := range urlRE.FindAllString(text, -1) {
		c.addURL(trimURL(u))
	}
	for _, m := range emailRE.FindAllStringSubmatch(text, -1) {
		if isDomain(m[1]) {
			c.add("email", strings.ToLower(m[0]))
			c.add("domain", strings.ToLower(m[1]))
		}
	}
	c.addDomains(text)
	c.addIPv4(text)
	c.addIPv6(text)
	c.addHashes(text)
	return c.result()
}

type collector struct {
	seen   map[Indicator]bool
	byType map[string][]string
}

func newCollector() *collector {
	return &collector{seen: map[Indicator]bool{}, byType: map[string][]string{}}
}

func (c *collector) add(typ, value string) {
	ind := Indicator{Type: typ, Value: value}
	if value == "" || c.seen[ind] {
		return
	}
	c.seen[ind] = true
	c.byType[typ] = append(c.byType[typ], value)
}

// addURL adds a URL with a lowercase scheme and host, and its host as a
// domain or IP address.
func (c *collector) addURL(u string) {
	scheme, rest, _ := strings.Cut(u, "://")
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	authority := rest[:hostEnd]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	host := strings.ToLower(authority)
	if h, _, ok := cutPort(host); ok {
		host = h
	}
	if host == "" {
		return
	}
	c.add("url", strings.ToLower(scheme)+"://"+strings.ToLower(rest[:hostEnd])+rest[hostEnd:])
	switch addr, err := netip.ParseAddr(strings.Trim(host, "[]")); {
	case err == nil && addr.Is4():
		c.add("ipv4", addr.String())
	case err == nil:
		c.add("ipv6", addr.String())
	case isDomain(host):
		c.add("domain", host)
	}
}

func (c *collector) addDomains(text string) {
	for _, loc := range domainRE.FindAllStringIndex(text, -1) {
		end := loc[1]
		if end < len(text) && (text[end] == '@' || text[end] == '_') {
			continue // the local part of an email address, or part of a file name
		}
		if loc[0] > 0 && text[loc[0]-1] == '_' {
			continue
		}
		d := strings.ToLower(text[loc[0]:end])
		if isDomain(d) {
			c.add("domain", d)
		}
	}
}

func (c *collector) addIPv4(text string) {
	for _, loc := range ipv4RE.FindAllStringIndex(text, -1) {
		if partOfDottedNumber(text, loc[0], loc[1]) {
			continue
		}
		c.add("ipv4", text[loc[0]:loc[1]])
	}
}

func (c *collector) addIPv6(text string) {
	for _, loc := range ipv6RE.FindAllStringIndex(text, -1) {
		if loc[0] > 0 && isWordByte(text[loc[0]-1]) || loc[1] < len(text) && isWordByte(text[loc[1]]) {
			continue
		}
		addr, err := netip.ParseAddr(text[loc[0]:loc[1]])
		if err != nil || !addr.Is6() || addr.Is4In6() || addr.IsUnspecified() {
			continue
		}
		c.add("ipv6", addr.String())
	}
}

func (c *collector) addHashes(text string) {
	names := map[int]string{32: "md5", 40: "sha1", 64: "sha256"}
	for _, h := range hashRE.FindAllString(text, -1) {
		if typ, ok := names[len(h)]; ok {
			c.add(typ, strings.ToLower(h))
		}
	}
}

func (c *collector) result() Output {
	r := Output{Indicators: []Indicator{}, Counts: map[string]int{}}
	for _, typ := range indicatorTypes {
		for _, v := range c.byType[typ] {
			r.Indicators = append(r.Indicators, Indicator{Type: typ, Value: v})
		}
		r.Counts[typ] = len(c.byType[typ])
	}
	return r
}

// isDomain reports whether name ends in a top-level domain that ICANN
// delegates or that reservedTLDs lists, so that file names such as
// "invoice.pdf" are not taken for domains.
func isDomain(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return false
	}
	tld := name[i+1:]
	if reservedTLDs[tld] {
		return true
	}
	suffix, icann := publicsuffix.PublicSuffix(name)
	return icann && suffix != name
}

// trimURL drops punctuation that ends the sentence around a URL, and a
// closing bracket that has no opening one inside the URL.
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"),
			last == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

func cutPort(host string) (string, string, bool) {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.Contains(host[i:], "]") {
		return host, "", false
	}
	return host[:i], host[i+1:], true
}

// partOfDottedNumber reports whether text[start:end] is inside a longer
// run of dotted numbers, such as the version 1.2.3.4.5.
func partOfDottedNumber(text string, start, end int) bool {
	isDigit := func(i int) bool { return i >= 0 && i < len(text) && '0' <= text[i] && text[i] <= '9' }
	if start > 0 && text[start-1] == '.' && isDigit(start-2) {
		return true
	}
	return end < len(text) && text[end] == '.' && isDigit(end+1)
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

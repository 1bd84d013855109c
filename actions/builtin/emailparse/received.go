package emailparse

import (
	"net/mail"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Hop is one Received header. Hops are listed as the headers appear, so
// the first hop is the last server that handled the message.
type Hop struct {
	From string `json:"from"` // the host name the sending server gave
	By   string `json:"by"`   // the receiving server
	With string `json:"with"` // the protocol, such as ESMTPS
	ID   string `json:"id"`
	For  string `json:"for"`
	// IP is the first IP address in brackets, usually the sender's
	// address as the receiving server saw it.
	IP   string `json:"ip"`
	Date string `json:"date"` // RFC 3339, or "" when unparsable
	Raw  string `json:"raw"`
}

var (
	receivedClauseRE = regexp.MustCompile(`(?i)(?:^|\s)(from|by|with|id|for)\s+([^\s;]+)`)
	bracketIPRE      = regexp.MustCompile(`(?i)\[(?:ipv6:)?([0-9a-f:.]+)\]`)
)

func readReceived(values []string) []Hop {
	hops := []Hop{}
	for _, v := range values {
		hops = append(hops, parseHop(v))
	}
	return hops
}

func parseHop(value string) Hop {
	hop := Hop{Raw: value}
	clauses := value
	if i := strings.LastIndexByte(value, ';'); i >= 0 {
		clauses = value[:i]
		if date, err := mail.ParseDate(trimSpace(value[i+1:])); err == nil {
			hop.Date = date.Format(time.RFC3339)
		}
	}

	fields := map[string]*string{
		"from": &hop.From, "by": &hop.By, "with": &hop.With, "id": &hop.ID, "for": &hop.For,
	}
	for _, m := range receivedClauseRE.FindAllStringSubmatch(stripComments(clauses), -1) {
		if field := fields[strings.ToLower(m[1])]; *field == "" {
			*field = trimAngles(m[2])
		}
	}
	for _, m := range bracketIPRE.FindAllStringSubmatch(clauses, -1) {
		if addr, err := netip.ParseAddr(m[1]); err == nil {
			hop.IP = addr.Unmap().String()
			break
		}
	}
	return hop
}

// stripComments removes RFC 5322 comments, which are in parentheses and
// may nest.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

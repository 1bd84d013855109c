package emailparse

import (
	"regexp"
	"strings"
)

// Authentication holds the results of the first Authentication-Results
// header, which the receiving organization's server adds on top.
type Authentication struct {
	AuthservID string `json:"authserv_id"` // the server that checked
	// SPF, DKIM and DMARC are the first result of each method, such as
	// "pass", "fail", "softfail" or "none", or "" when not reported.
	SPF     string       `json:"spf"`
	DKIM    string       `json:"dkim"`
	DMARC   string       `json:"dmarc"`
	Results []AuthResult `json:"results"`
}

// AuthResult is one method result of an Authentication-Results header
// (RFC 8601).
type AuthResult struct {
	Method string `json:"method"`
	Result string `json:"result"`
	// Properties are the ptype.property=value pairs, such as
	// "smtp.mailfrom" and "header.from".
	Properties map[string]string `json:"properties"`
}

var (
	methodResultRE = regexp.MustCompile(`^\s*([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z0-9_-]+)`)
	propertyRE     = regexp.MustCompile(`([A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)\s*=\s*("[^"]*"|[^\s;]+)`)
)

func readAuthentication(values []string) Authentication {
	auth := Authentication{Results: []AuthResult{}}
	if len(values) == 0 {
		return auth
	}
	parts := strings.Split(stripComments(values[0]), ";")
	auth.AuthservID = strings.Fields(parts[0] + " ")[0]
	for _, part := range parts[1:] {
		m := methodResultRE.FindStringSubmatchIndex(part)
		if m == nil {
			continue
		}
		res := AuthResult{
			Method:     strings.ToLower(part[m[2]:m[3]]),
			Result:     strings.ToLower(part[m[4]:m[5]]),
			Properties: map[string]string{},
		}
		for _, p := range propertyRE.FindAllStringSubmatch(part[m[1]:], -1) {
			res.Properties[strings.ToLower(p[1])] = strings.Trim(p[2], `"`)
		}
		auth.Results = append(auth.Results, res)
	}

	fields := map[string]*string{"spf": &auth.SPF, "dkim": &auth.DKIM, "dmarc": &auth.DMARC}
	for _, res := range auth.Results {
		if field, ok := fields[res.Method]; ok && *field == "" {
			*field = res.Result
		}
	}
	return auth
}

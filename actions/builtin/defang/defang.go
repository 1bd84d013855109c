// Package defang is the bundled actions ioc.defang and ioc.refang: they
// make indicators in text unclickable and restore them.
package defang

import (
	"regexp"
	"strings"
)

var (
	refangReplacer = strings.NewReplacer(
		"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "{dot}", ".",
		"[DOT]", ".", "(DOT)", ".", "[@]", "@", "(@)", "@", "[at]", "@", "(at)", "@",
		"[AT]", "@", "(AT)", "@", "[:]", ":", "[://]", "://",
	)
	hxxpRE = regexp.MustCompile(`(?i)\bh(?:xx|\*\*|tt)p(s?)(?:\[://\]|\[:\]//|://)`)
	fxpRE  = regexp.MustCompile(`(?i)\bfxp(?:\[://\]|\[:\]//|://)`)

	schemeRE = regexp.MustCompile(`(?i)\b(?:https?|ftp)://`)
	// hostRE matches domain names whose last label has two or more
	// characters and starts with a letter, and dotted-quad IPv4 addresses,
	// so that "e.g." and version numbers such as 1.2.3 stay as they are.
	hostRE = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+` +
		`[a-z][a-z0-9-]*[a-z0-9]\b|\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	emailAtRE = regexp.MustCompile(`(?i)([a-z0-9._%+-])@([a-z0-9])`)
)

// Refang undoes the usual defanging: "hxxp", "fxp", "[.]", "(.)",
// "[dot]", "(dot)", "[@]", "[at]", "[://]" and similar forms.
func Refang(text string) string {
	text = hxxpRE.ReplaceAllString(text, "http$1://")
	text = fxpRE.ReplaceAllString(text, "ftp://")
	return refangReplacer.Replace(text)
}

// Defang makes the URLs, domain names, IPv4 addresses and email addresses
// in text unclickable: the schemes http, https and ftp become "hxxp",
// "hxxps" and "fxp" in lowercase, the
// dots of host names and addresses become "[.]" and the "@" of an email
// address becomes "[@]". Refang reverses it, and defanged text is left as
// it is.
func Defang(text string) string {
	text = schemeRE.ReplaceAllStringFunc(text, func(scheme string) string {
		scheme = strings.ToLower(scheme)
		if scheme == "ftp://" {
			return "fxp://"
		}
		return "hxxp" + scheme[len("http"):]
	})
	text = hostRE.ReplaceAllStringFunc(text, func(host string) string {
		return strings.ReplaceAll(host, ".", "[.]")
	})
	return emailAtRE.ReplaceAllString(text, "$1[@]$2")
}

package emailparse

import (
	"html"

	"github.com/updraftsoar/updraft/actions/builtin/iocextract"
)

// findURLs returns the URLs in the text and HTML bodies, refanged, with
// a lowercase scheme and host, each once in order of first appearance.
// HTML character references such as &amp; are decoded first.
func findURLs(text, htmlBody string) []string {
	urls := []string{}
	seen := map[string]bool{}
	for _, body := range []string{text, html.UnescapeString(htmlBody)} {
		for _, ind := range iocextract.Extract(body).Indicators {
			if ind.Type == "url" && !seen[ind.Value] {
				seen[ind.Value] = true
				urls = append(urls, ind.Value)
			}
		}
	}
	return urls
}

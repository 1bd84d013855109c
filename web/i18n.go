package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// enCatalog is the English message catalog. The editor bundle imports the
// same file, so both sides show the same words.
//
//go:embed i18n/en.json
var enCatalog []byte

var messages = mustFlatten(enCatalog)

// T returns the English message under key, a dotted path into the catalog
// such as "nav.playbooks", with each "{{name}}" placeholder replaced by the
// value that follows name in args. A missing key returns the key itself.
func T(key string, args ...string) string {
	msg, ok := messages[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		msg = strings.ReplaceAll(msg, "{{"+args[i]+"}}", args[i+1])
	}
	return msg
}

func mustFlatten(catalog []byte) map[string]string {
	var tree map[string]any
	if err := json.Unmarshal(catalog, &tree); err != nil {
		panic(fmt.Errorf("web: i18n/en.json: %w", err))
	}
	flat := make(map[string]string)
	flatten("", tree, flat)
	return flat
}

func flatten(prefix string, tree map[string]any, flat map[string]string) {
	for key, value := range tree {
		if prefix != "" {
			key = prefix + "." + key
		}
		switch v := value.(type) {
		case string:
			flat[key] = v
		case map[string]any:
			flatten(key, v, flat)
		}
	}
}

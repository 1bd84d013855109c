package designer

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	exprOpen  = "${{"
	exprClose = "}}"
)

// segment is a piece of a template string: literal text, or an expression
// whose source starts at rune offset offset of the template.
type segment struct {
	text   string
	isExpr bool
	offset int
}

// errUnclosed is a "${{" with no matching "}}".
var errUnclosed = errors.New(`"${{" has no matching "}}"`)

// splitTemplate splits s into literal text and expressions. The "}}" that
// closes an expression is the first one outside string literals and map
// literals, so ${{ {"a": {"b": 1}} }} is one expression.
func splitTemplate(s string) ([]segment, *ExprError) {
	var segs []segment
	pos := 0
	for {
		start := strings.Index(s[pos:], exprOpen)
		if start < 0 {
			break
		}
		start += pos
		if start > pos {
			segs = append(segs, segment{text: s[pos:start]})
		}

		body := start + len(exprOpen)
		end := findClose(s, body)
		if end < 0 {
			return nil, &ExprError{Source: s, Offset: runeOffset(s, start), Message: errUnclosed.Error()}
		}
		segs = append(segs, segment{
			text:   strings.TrimSpace(s[body:end]),
			isExpr: true,
			offset: runeOffset(s, body) + leadingSpaceRunes(s[body:end]),
		})
		pos = end + len(exprClose)
	}
	if pos < len(s) {
		segs = append(segs, segment{text: s[pos:]})
	}
	return segs, nil
}

// findClose returns the byte index of the "}}" that ends the expression
// starting at byte i, or -1.
func findClose(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch c := s[i]; c {
		case '"', '\'', '`':
			i = skipQuoted(s, i)
			continue
		case '{':
			depth++
		case '}':
			if depth == 0 && strings.HasPrefix(s[i:], exprClose) {
				return i
			}
			if depth > 0 {
				depth--
			}
		}
		i++
	}
	return -1
}

// skipQuoted returns the byte index after the string literal at s[i].
func skipQuoted(s string, i int) int {
	quote := s[i]
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if quote != '`' {
				i++
			}
		case quote:
			return i + 1
		}
	}
	return len(s)
}

func runeOffset(s string, byteIndex int) int {
	return utf8.RuneCountInString(s[:byteIndex])
}

func leadingSpaceRunes(s string) int {
	return utf8.RuneCountInString(s) - utf8.RuneCountInString(strings.TrimLeftFunc(s, unicode.IsSpace))
}

// hasExpression reports whether s contains an expression opening "${{".
func hasExpression(s string) bool {
	return strings.Contains(s, exprOpen)
}

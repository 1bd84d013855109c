package runtime

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
)

// TODO: switch to designer.CompileValue and designer.CompileCondition,
// which also reject paths that do not exist, once the designer package
// provides them.

const (
	exprOpen  = "${{"
	exprClose = "}}"
)

// evalValue evaluates a settings value: maps and lists element by
// element, a string that is one whole "${{ … }}" expression to the
// expression's value with its type, and expressions inside a longer
// string interpolated as text. Other values are returned unchanged.
func evalValue(v any, env map[string]any) (any, error) {
	switch v := v.(type) {
	case string:
		return evalString(v, env)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			got, err := evalValue(item, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = got
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			got, err := evalValue(item, env)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = got
		}
		return out, nil
	}
	return v, nil
}

func evalString(s string, env map[string]any) (any, error) {
	trimmed := strings.TrimSpace(s)
	if strings.HasPrefix(trimmed, exprOpen) && strings.HasSuffix(trimmed, exprClose) &&
		strings.Count(trimmed, exprOpen) == 1 {
		return evalExpr(trimmed[len(exprOpen):len(trimmed)-len(exprClose)], env)
	}

	var b strings.Builder
	rest := s
	for {
		start := strings.Index(rest, exprOpen)
		if start < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		end := strings.Index(rest[start:], exprClose)
		if end < 0 {
			return nil, fmt.Errorf("expression %q: missing %q", rest[start:], exprClose)
		}
		b.WriteString(rest[:start])
		got, err := evalExpr(rest[start+len(exprOpen):start+end], env)
		if err != nil {
			return nil, err
		}
		fmt.Fprint(&b, got)
		rest = rest[start+end+len(exprClose):]
	}
}

func evalExpr(code string, env map[string]any) (any, error) {
	code = strings.TrimSpace(code)
	got, err := expr.Eval(code, env)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", code, err)
	}
	return got, nil
}

// evalCondition evaluates a condition written with or without the
// "${{ }}" wrapper. The result must be a boolean.
func evalCondition(code string, env map[string]any) (bool, error) {
	code = strings.TrimSpace(code)
	if strings.HasPrefix(code, exprOpen) && strings.HasSuffix(code, exprClose) {
		code = code[len(exprOpen) : len(code)-len(exprClose)]
	}
	got, err := evalExpr(code, env)
	if err != nil {
		return false, err
	}
	b, ok := got.(bool)
	if !ok {
		return false, fmt.Errorf("expression %q: got %T %v, want a boolean",
			strings.TrimSpace(code), got, got)
	}
	return b, nil
}

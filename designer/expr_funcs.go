package designer

import (
	"github.com/expr-lang/expr"
)

// fnDefault is the helper that returns its second argument when the first
// is null or missing.
const fnDefault = "default"

// exprOptions are the compile options every playbook expression uses.
func exprOptions() []expr.Option {
	return []expr.Option{
		expr.Env(scope{}),
		expr.Timezone("UTC"), // now() and date() do not depend on the server's zone
		expr.Function(fnGet, getMember, new(func(any, any, int, string, string) any)),
		expr.Function(fnChain, endChain, new(func(any) any)),
		expr.Function(fnDefault, defaultValue, new(func(any, any) any)),
	}
}

// defaultValue implements default(value, fallback).
func defaultValue(args ...any) (any, error) {
	if args[0] == nil {
		return args[1], nil
	}
	return args[0], nil
}

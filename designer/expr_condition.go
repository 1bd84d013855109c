package designer

import (
	"errors"
	"fmt"
	"strings"
)

// errNotBoolean is a condition whose result is not true or false.
var errNotBoolean = errors.New("condition result is not a boolean")

// Condition is a compiled boolean expression. It is safe for concurrent
// use.
type Condition struct {
	prog   *program
	offset int // rune offset of the expression in the written source
}

// CompileCondition compiles src, written bare ("trigger.severity > 5") or
// wrapped ("${{ trigger.severity > 5 }}").
func CompileCondition(src string) (*Condition, error) {
	body, offset := unwrapCondition(src)
	if body == "" {
		return nil, &ExprError{Source: src, Message: "empty condition; write an expression that yields true or false"}
	}
	prog, err := compileExpr(body, true)
	if err != nil {
		ee := *err.(*ExprError)
		ee.Offset += offset
		return nil, &ee
	}
	return &Condition{prog: prog, offset: offset}, nil
}

// unwrapCondition strips one "${{ … }}" around src and returns the body
// and its rune offset in src.
func unwrapCondition(src string) (string, int) {
	segs, err := splitTemplate(src)
	if err == nil && len(segs) == 1 && segs[0].isExpr {
		return segs[0].text, segs[0].offset
	}
	trimmed := strings.TrimSpace(src)
	return trimmed, leadingSpaceRunes(src)
}

// Eval evaluates c against env. A result that is not a boolean is an error
// that shows the value.
func (c *Condition) Eval(env *Env) (bool, error) {
	out, err := c.prog.run(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, &ExprError{
			Source:  c.prog.source,
			Message: fmt.Sprintf("result is %s %s, expected true or false", typeName(out), preview(out)),
			Err:     errNotBoolean,
		}
	}
	return b, nil
}

// References returns the ids of the steps c reads through steps.<id>.
func (c *Condition) References() []string {
	return c.value().References()
}

func (c *Condition) value() *Value {
	return &Value{kind: kindWhole, whole: c.prog, offset: c.offset}
}

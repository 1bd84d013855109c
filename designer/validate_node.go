package designer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// nodeCheck is the checking of one node. Type checks report problems
// through it, with fields relative to the node.
type nodeCheck struct {
	*validator
	node      *Node
	label     string
	ancestors map[string]bool // computed on first use
}

func (c *nodeCheck) problem(field, msg string) {
	c.add(Problem{NodeID: c.label, Field: field, Message: msg})
}

func (c *nodeCheck) problemf(field, format string, args ...any) {
	c.problem(field, fmt.Sprintf(format, args...))
}

// decodeNodeSettings decodes the node's settings into T and reports the
// failing field when they do not fit.
func decodeNodeSettings[T any](c *nodeCheck) (T, bool) {
	s, err := DecodeSettings[T](c.node)
	if err == nil {
		return s, true
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		c.problem(fe.path, fe.msg)
	} else {
		c.problem("settings", err.Error())
	}
	return s, false
}

// checkValue compiles a settings value and checks its step references.
func (c *nodeCheck) checkValue(field string, raw any) {
	var errs []valueExprError
	val := compileValue(raw, "", &errs)
	for _, e := range errs {
		c.add(Problem{
			NodeID:  c.label,
			Field:   appendPath(field, e.path),
			Column:  e.offset + 1,
			Message: exprProblemMessage(e.err),
		})
	}
	val.walkRefs("", func(path string, ref stepRef) {
		c.checkRef(appendPath(field, path), ref)
	})
}

// checkCondition compiles a condition and checks its step references.
func (c *nodeCheck) checkCondition(field, src string) {
	cond, err := CompileCondition(src)
	if err != nil {
		ee := err.(*ExprError)
		c.add(Problem{NodeID: c.label, Field: field, Column: ee.Offset + 1, Message: exprProblemMessage(ee)})
		return
	}
	cond.value().walkRefs("", func(_ string, ref stepRef) {
		c.checkRef(field, ref)
	})
}

func exprProblemMessage(e *ExprError) string {
	return fmt.Sprintf("expression %q does not compile: %s", e.Source, e.Message)
}

// appendPath joins a field path and a path inside the field's value.
func appendPath(field, sub string) string {
	switch {
	case sub == "":
		return field
	case strings.HasPrefix(sub, "["):
		return field + sub
	}
	return field + "." + sub
}

// checkRef reports a steps.<id> reference to a node that does not run
// before this one.
func (c *nodeCheck) checkRef(field string, ref stepRef) {
	if c.ancestors == nil {
		c.ancestors = c.playbook.Ancestors(c.node.ID)
	}
	if ref.step != c.node.ID && c.ancestors[ref.step] {
		return
	}

	var msg string
	switch {
	case ref.step == c.node.ID:
		msg = fmt.Sprintf("steps.%s is this node; a node cannot read its own output", ref.step)
	case c.nodes[ref.step] == nil:
		msg = fmt.Sprintf("steps.%s: no node %q in this playbook", ref.step, ref.step)
	default:
		msg = fmt.Sprintf("steps.%s does not run before this node; connect it upstream", ref.step)
	}
	c.add(Problem{
		NodeID:  c.label,
		Field:   field,
		Column:  ref.offset + 1,
		Message: msg + "; " + c.describeUpstream(),
	})
}

func (c *nodeCheck) describeUpstream() string {
	var ids []string
	for id := range c.ancestors {
		if id != c.node.ID {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "this node has no upstream steps"
	}
	slices.Sort(ids)
	return "upstream steps are " + strings.Join(ids, ", ")
}

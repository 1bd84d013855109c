package designer

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// nodeCheck is the checking of one node. Type checks report problems
// through it, with fields relative to the node.
type nodeCheck struct {
	*validator
	node      *Node
	label     string
	ancestors map[string]bool // computed on first use
	inLoop    bool            // item and index are in scope
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
	val.walkLocals("", func(path string, ref stepRef) {
		c.checkLocal(appendPath(field, path), ref)
	})
}

// checkLocal reports a read of item or index outside a loop body.
func (c *nodeCheck) checkLocal(field string, ref stepRef) {
	if c.inLoop {
		return
	}
	c.add(Problem{
		NodeID: c.label,
		Field:  field,
		Column: ref.offset + 1,
		Message: fmt.Sprintf("%s is set only inside a loop body, and this node is not in one; "+
			"set its parent to a loop or read a step's output", ref.step),
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
	cond.value().walkLocals("", func(_ string, ref stepRef) {
		c.checkLocal(field, ref)
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

	msg := c.describeBadRef(ref.step)
	c.add(Problem{
		NodeID:  c.label,
		Field:   field,
		Column:  ref.offset + 1,
		Message: msg + "; " + c.describeUpstream(),
	})
}

// describeBadRef explains why steps.<step> is not readable from this node.
func (c *nodeCheck) describeBadRef(step string) string {
	enclosing := c.playbook.EnclosingLoops(c.node.ID)
	switch {
	case step == c.node.ID:
		return fmt.Sprintf("steps.%s is this node; a node cannot read its own output", step)
	case c.nodes[step] == nil:
		return fmt.Sprintf("steps.%s: no node %q in this playbook", step, step)
	case slices.Contains(enclosing, step):
		return fmt.Sprintf("steps.%s is the loop that runs this node and ends after it; "+
			"read item and index instead", step)
	}

	// The outermost loop that holds the step but not this node.
	var outside string
	for _, loop := range c.playbook.EnclosingLoops(step) {
		if !slices.Contains(enclosing, loop) {
			outside = loop
		}
	}
	if outside != "" {
		return fmt.Sprintf("steps.%s runs inside the body of loop %q; "+
			"read the loop's output, steps.%s.output.results", step, outside, outside)
	}
	return fmt.Sprintf("steps.%s does not run before this node; connect it upstream", step)
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

// slugRule is the rule for names that become ports.
const slugRule = "a name starts with a lowercase letter and has up to 64 " +
	"lowercase letters, digits, '_' or '-'"

// checkSlugs reports names that are missing, not slugs or repeated. The
// field of names[i] is list[i].key, or list[i] when key is empty.
func (c *nodeCheck) checkSlugs(list, key, what string, names []string) {
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		field := list + "[" + strconv.Itoa(i) + "]"
		if key != "" {
			field += "." + key
		}
		switch {
		case name == "":
			c.problemf(field, "missing %s name; %s", what, slugRule)
		case !nodeIDPattern.MatchString(name):
			c.problemf(field, "invalid %s name %q; %s", what, name, slugRule)
		case seen[name]:
			c.problemf(field, "duplicate %s name %q; give each %s its own name", what, name, what)
		}
		seen[name] = true
	}
}

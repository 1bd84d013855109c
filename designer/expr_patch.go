package designer

import (
	"regexp"
	"strconv"

	"github.com/expr-lang/expr/ast"
)

// Names of the functions the access patcher calls.
const (
	fnGet   = "$get"
	fnChain = "$chain"
)

// Access modes passed to $get.
const (
	accessStrict   = 0 // a missing key or a null object is an error
	accessOptional = 1 // a missing key or a null object ends the chain with nil
)

// accessPatcher rewrites every member access (a.b, a["b"], a[0]) into a
// $get call that fails with the path and the existing keys when the key
// is missing, because expr-lang v1.17.8 returns nil for a missing map key.
// It rewrites the matches operator into $matches, which caps the pattern's
// length and compiles each pattern once, and it records steps.<id>
// references and reads of item and index. ast.Walk visits children first,
// so the base of an access is already rewritten when the access is
// visited.
type accessPatcher struct {
	refs   []stepRef
	locals []stepRef // reads of item and index, by name
	err    *ExprError
}

// Names in scope inside a loop body.
const (
	localItem  = "item"
	localIndex = "index"
)

func (p *accessPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if n.Method {
			p.checkMethod(n)
			return
		}
		p.recordStepRef(n)
		ast.Patch(node, getCall(n))

	case *ast.ChainNode:
		ast.Patch(node, chainCall(n.Node))

	case *ast.BinaryNode:
		switch n.Operator {
		case "??":
			n.Left = optionalChain(n.Left)
		case "matches":
			p.checkPattern(n.Right)
			ast.Patch(node, &ast.CallNode{
				Callee:    &ast.IdentifierNode{Value: fnRegexMatch},
				Arguments: []ast.Node{n.Left, n.Right},
			})
		}

	case *ast.CallNode:
		p.visitCall(n)

	case *ast.IdentifierNode:
		if n.Value == localItem || n.Value == localIndex {
			p.locals = append(p.locals, stepRef{step: n.Value, offset: n.Location().From})
		}
	}
}

// visitCall makes the value argument of default and get optional and
// checks constant regular expressions when the expression compiles.
func (p *accessPatcher) visitCall(n *ast.CallNode) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || len(n.Arguments) == 0 {
		return
	}
	switch id.Value {
	case fnDefault, fnPathGet:
		n.Arguments[0] = optionalChain(n.Arguments[0])
	case fnRegexExtract, fnRegexFindAll:
		if len(n.Arguments) == 2 {
			p.checkPattern(n.Arguments[1])
		}
	}
}

// checkMethod rejects the time method Local, because the local zone is
// read from the TZ environment variable and the system's files.
func (p *accessPatcher) checkMethod(n *ast.MemberNode) {
	if s, ok := n.Property.(*ast.StringNode); ok && s.Value == "Local" && p.err == nil {
		p.err = &ExprError{Offset: s.Location().From,
			Message: "method Local is not available; times are in UTC, and .In(timezone(\"+09:00\")) sets an offset"}
	}
}

// checkPattern compiles a pattern written as a string literal, so that an
// invalid one fails when the playbook is saved.
func (p *accessPatcher) checkPattern(node ast.Node) {
	s, ok := node.(*ast.StringNode)
	if !ok || p.err != nil {
		return
	}
	if _, err := compileRegexp(s.Value); err != nil {
		p.err = &ExprError{Offset: s.Location().From, Message: err.Error(), Err: err}
	}
}

// recordStepRef records n when it reads steps.<id> or steps["<id>"].
func (p *accessPatcher) recordStepRef(n *ast.MemberNode) {
	id, ok := n.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "steps" {
		return
	}
	prop, ok := n.Property.(*ast.StringNode)
	if !ok {
		return
	}
	p.refs = append(p.refs, stepRef{step: prop.Value, offset: id.Location().From})
}

// getCall builds $get(base, key, mode, path, basePath) for n.
func getCall(n *ast.MemberNode) *ast.CallNode {
	mode := accessStrict
	if n.Optional {
		mode = accessOptional
	}
	basePath := displayPath(n.Node)
	return &ast.CallNode{
		Callee: &ast.IdentifierNode{Value: fnGet},
		Arguments: []ast.Node{
			n.Node,
			n.Property,
			&ast.IntegerNode{Value: mode},
			&ast.StringNode{Value: basePath + accessor(n.Property)},
			&ast.StringNode{Value: basePath},
		},
	}
}

func chainCall(inner ast.Node) *ast.CallNode {
	return &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fnChain},
		Arguments: []ast.Node{inner},
	}
}

// optionalChain makes every access along the chain that node ends with
// optional, so that `a.b.c ?? x` yields x when any part is missing.
func optionalChain(node ast.Node) ast.Node {
	for cur := node; ; {
		call, ok := asCall(cur, fnChain)
		if ok {
			cur = call.Arguments[0]
			continue
		}
		call, ok = asCall(cur, fnGet)
		if !ok {
			break
		}
		call.Arguments[2] = &ast.IntegerNode{Value: accessOptional}
		cur = call.Arguments[0]
	}
	if _, ok := asCall(node, fnChain); ok {
		return node
	}
	return chainCall(node)
}

func asCall(node ast.Node, name string) (*ast.CallNode, bool) {
	call, ok := node.(*ast.CallNode)
	if !ok {
		return nil, false
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != name {
		return nil, false
	}
	return call, true
}

// displayPath renders node as the path an author wrote, such as
// trigger.alert["kibana.alert.severity"].
func displayPath(node ast.Node) string {
	switch n := node.(type) {
	case *ast.IdentifierNode:
		return n.Value
	case *ast.PointerNode:
		return "#" + n.Name
	case *ast.CallNode:
		if call, ok := asCall(n, fnGet); ok {
			return call.Arguments[3].(*ast.StringNode).Value
		}
		if call, ok := asCall(n, fnChain); ok {
			return displayPath(call.Arguments[0])
		}
	}
	return "(" + node.String() + ")"
}

var identifierPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// accessor renders a property as .name, ["key"] or [index].
func accessor(prop ast.Node) string {
	switch p := prop.(type) {
	case *ast.StringNode:
		if identifierPattern.MatchString(p.Value) {
			return "." + p.Value
		}
		return "[" + strconv.Quote(p.Value) + "]"
	case *ast.IntegerNode:
		return "[" + strconv.Itoa(p.Value) + "]"
	}
	return "[" + prop.String() + "]"
}

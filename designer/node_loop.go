package designer

import "maps"

// Loop concurrency bounds: the number of iterations that may run at once.
const (
	DefaultLoopConcurrency = 1
	MaxLoopConcurrency     = 64
)

// LoopSettings are the settings of a loop node, which runs its body once
// for each item of a list.
//
// Items is a list, whose elements may contain expressions, or a whole-field
// expression that yields a list. Concurrency is the number of iterations
// that may run at once, 1 to MaxLoopConcurrency; 0 means
// DefaultLoopConcurrency. Result is evaluated like a transform value after
// each iteration's body ends, with item, index and the body's steps of
// that iteration in scope. When Result is nil, an iteration's result is
// the output of the body step that finished last. The loop's output is
// {"results": [one result per item, in the order of items], "count": n}.
type LoopSettings struct {
	Items       any `json:"items"`
	Concurrency int `json:"concurrency,omitempty"`
	Result      any `json:"result,omitempty"`
}

// EffectiveConcurrency returns Concurrency, or DefaultLoopConcurrency when
// it is 0.
func (s *LoopSettings) EffectiveConcurrency() int {
	if s.Concurrency == 0 {
		return DefaultLoopConcurrency
	}
	return s.Concurrency
}

func init() {
	registerNodeType(NodeLoop, &nodeType{
		canFail:      true,
		continuePort: PortSuccess,
		ports:        fixedPorts(PortSuccess, PortError),
		check:        checkLoop,
	})
}

func checkLoop(c *nodeCheck) {
	if len(c.playbook.Children(c.node.ID)) == 0 {
		c.problemf("", "loop has no body; add nodes whose parent is %q", c.node.ID)
	}
	s, ok := decodeNodeSettings[LoopSettings](c)
	if !ok {
		return
	}

	checkLoopItems(c, s.Items)
	if s.Concurrency < 0 || s.Concurrency > MaxLoopConcurrency {
		c.problemf("settings.concurrency", "concurrency %d out of range; use 1 to %d",
			s.Concurrency, MaxLoopConcurrency)
	}
	if s.Result != nil {
		c.resultCheck().checkValue("settings.result", s.Result)
	}
}

func checkLoopItems(c *nodeCheck, items any) {
	switch v := items.(type) {
	case nil:
		c.problem("settings.items", "missing items; set a list or an expression that yields one, "+
			`such as "${{ steps.extract.output.ips }}"`)
	case []any:
		c.checkValue("settings.items", v)
	case string:
		if !isWholeExpression(v) {
			c.problemf("settings.items", "items %s is not a list; write one expression, "+
				`such as "${{ steps.extract.output.ips }}", or a list`, preview(v))
			return
		}
		c.checkValue("settings.items", v)
	default:
		c.problemf("settings.items", "items is %s, not a list; write a list or an expression "+
			"that yields one", typeName(v))
	}
}

// resultCheck returns a check of the loop's result field, which may read
// item, index, the steps of the loop's body and the loop's ancestors.
func (c *nodeCheck) resultCheck() *nodeCheck {
	scope := maps.Clone(c.playbook.Ancestors(c.node.ID))
	for _, n := range c.playbook.Children(c.node.ID) {
		scope[n.ID] = true
	}
	rc := *c
	rc.ancestors = scope
	rc.inLoop = true
	return &rc
}

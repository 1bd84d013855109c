package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/updraftsoar/updraft/designer"
)

func init() { nodeTypes[designer.NodeLoop] = runLoop }

// errLoopStopped is the cause that stops the iterations of a loop after
// one of them failed.
var errLoopStopped = errors.New("loop stopped after a failed iteration")

// runLoop runs the loop's body once for each item, at most concurrency
// iterations at once, and outputs {"results": [...], "count": n} with
// the results in the order of the items.
func runLoop(ctx context.Context, call *nodeCall) nodeResult {
	settings, serr := decodeSettings[designer.LoopSettings](call.node)
	if serr != nil {
		return nodeResult{err: serr}
	}
	value, err := evalValue(settings.Items, call.env)
	if err != nil {
		return nodeResult{err: evalError("items", err)}
	}
	items, ok := asList(value)
	if !ok {
		return failed(CodeExpression, fmt.Sprintf("settings.items: result is %s, not a list",
			describeType(value)))
	}
	if limit := call.rs.e.cfg.MaxLoopItems; len(items) > limit {
		return failed(CodeTooManyItems, fmt.Sprintf(
			"settings.items: %d items, over the limit of %d; loop over fewer items or raise "+
				"the limit (updraft serve --max-loop-items)", len(items), limit))
	}

	lr := &loopRun{
		rs:       call.rs,
		call:     call,
		settings: settings,
		items:    items,
		entries:  call.rs.g.bodyEntries(call.node.ID),
		results:  make([]any, len(items)),
	}
	lr.ctx, lr.cancel = context.WithCancelCause(ctx)
	defer lr.cancel(nil)
	return lr.run()
}

// asList returns v as a list when it is a slice or an array.
func asList(v any) ([]any, bool) {
	if list, ok := v.([]any); ok {
		return list, true
	}
	rv := reflect.ValueOf(v)
	if v == nil || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return nil, false
	}
	list := make([]any, rv.Len())
	for i := range list {
		list[i] = rv.Index(i).Interface()
	}
	return list, true
}

// describeType names the JSON type of v for error messages.
func describeType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case float64, int, int64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// loopRun is one attempt of a loop step. Its workers take item indexes
// in order, so iterations start in the order of the items.
type loopRun struct {
	rs       *runState
	call     *nodeCall
	settings designer.LoopSettings
	items    []any
	entries  []string
	results  []any

	// ctx is the loop step's context. It is canceled with errLoopStopped
	// when an iteration fails, which stops the other iterations.
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	next      int        // index of the next item to start
	failure   *StepError // the first failure, which the loop fails with
	abandoned bool       // Shutdown stopped an iteration before it ended
}

func (lr *loopRun) run() nodeResult {
	workers := min(lr.settings.EffectiveConcurrency(), len(lr.items))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i, ok := lr.take(); ok; i, ok = lr.take() {
				lr.iterate(i)
			}
		})
	}
	wg.Wait()
	if err := lr.rs.events.flush(); err != nil && lr.failure == nil {
		lr.failure = &StepError{Code: CodeStoreFailed, Message: err.Error()}
	}

	switch {
	case lr.failure != nil:
		return nodeResult{err: lr.failure}
	case lr.abandoned:
		return nodeResult{abandon: true}
	}
	output := map[string]any{"results": lr.results, "count": len(lr.items)}
	return nodeResult{port: designer.PortSuccess, output: output}
}

// take returns the index of the next item to start, or false when every
// item has started or the loop stops.
func (lr *loopRun) take() (int, bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.failure != nil || lr.abandoned || lr.next >= len(lr.items) {
		return 0, false
	}
	if lr.stopped() {
		lr.stop()
		return 0, false
	}
	i := lr.next
	lr.next++
	return i, true
}

// stopped reports whether the loop must start no more steps: an iteration
// failed, the step's context ended, the run ended or Shutdown began.
func (lr *loopRun) stopped() bool {
	return lr.ctx.Err() != nil || lr.rs.halted.Load() || lr.rs.e.soft.Err() != nil
}

// stop records why the loop stopped before every iteration ended. The
// caller holds lr.mu.
func (lr *loopRun) stop() {
	switch {
	case lr.failure != nil:
	case lr.rs.e.soft.Err() != nil:
		lr.abandoned = true
	case lr.ctx.Err() != nil:
		// callNode turns this into a timeout or canceled error.
		lr.failure = &StepError{Code: CodeCanceled, Message: context.Cause(lr.ctx).Error()}
	default:
		lr.failure = &StepError{Code: CodeCanceled, Message: "the run ended before the loop did"}
	}
}

// fail records the first failure and stops the other iterations.
func (lr *loopRun) fail(err *StepError) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.failure == nil {
		lr.failure = err
		lr.cancel(errLoopStopped)
	}
}

// iterate runs iteration i and records its result.
func (lr *loopRun) iterate(i int) {
	it := newIteration(lr, i)
	result, ended := it.run()
	if it.failure != nil {
		lr.fail(it.failure)
		return
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if !ended {
		lr.stop()
		return
	}
	lr.results[i] = result
}

// iteration runs the loop body for one item, as a small playbook: every
// body entry starts at once and the other body nodes follow the rules of
// the top level. One goroutine owns an iteration.
type iteration struct {
	lr      *loopRun
	index   int
	item    any
	prefix  string // step id prefix, "<loop step id>[<index>]"
	front   *frontier
	steps   map[string]designer.StepState // the body steps of this iteration
	results chan stepResult
	running int
	failure *StepError

	last      string // body node whose step finished last
	lastOrder int64  // that step's stepResult.order
}

func newIteration(lr *loopRun, index int) *iteration {
	rs := lr.rs
	return &iteration{
		lr:      lr,
		index:   index,
		item:    lr.items[index],
		prefix:  lr.call.step.ID + "[" + strconv.Itoa(index) + "]",
		front:   newFrontier(rs.g, rs.g.levels[lr.call.node.ID], lr.entries...),
		steps:   make(map[string]designer.StepState),
		results: make(chan stepResult, rs.e.cfg.MaxParallel),
	}
}

// run executes the body until every body node finished or was skipped,
// and returns the iteration's result. ended is false when the loop
// stopped before the body did.
func (it *iteration) run() (result any, ended bool) {
	it.front.seed()
	for {
		it.dispatch()
		if it.running == 0 {
			break
		}
		it.apply(<-it.results)
	}
	if it.failure != nil || len(it.front.pending()) > 0 {
		return nil, false
	}
	return it.result()
}

// dispatch starts or skips ready body nodes while the iteration may start
// steps.
func (it *iteration) dispatch() {
	rs := it.lr.rs
	for {
		id, ok := it.front.peek()
		if !ok || it.failure != nil || it.lr.stopped() {
			return
		}
		if !it.front.taken(id) {
			it.front.pop()
			it.skip(id)
			continue
		}
		if it.running >= rs.e.cfg.MaxParallel {
			return
		}
		if err := rs.countStep(); err != nil {
			it.fail(id, err)
			return
		}
		it.front.pop()
		it.start(id)
	}
}

func (it *iteration) start(nodeID string) {
	rs := it.lr.rs
	it.running++
	node := rs.g.nodes[nodeID]
	env := it.env()
	sources := it.front.sources[nodeID]
	id := it.prefix + "/" + nodeID
	go func() {
		it.results <- rs.runStepAt(it.lr.ctx, id, node, env, sources, 1)
	}()
}

// skip records a body node that does not run.
func (it *iteration) skip(nodeID string) {
	step, err := it.lr.rs.saveSkipped(it.prefix+"/"+nodeID, nodeID)
	if err != nil {
		it.fail(nodeID, &StepError{Code: CodeStoreFailed, Message: err.Error()})
		return
	}
	it.complete(step, 0)
}

func (it *iteration) apply(res stepResult) {
	it.running--
	switch {
	case res.storeErr != nil:
		it.fail(res.nodeID, &StepError{Code: CodeStoreFailed, Message: res.storeErr.Error()})
		return
	case res.abandoned:
		return
	}
	it.complete(res.step, res.order)
	if failsRun(res.step) {
		it.fail(res.nodeID, res.step.Error)
	}
}

// complete makes the step readable by the later body steps, resolves its
// outgoing edges and remembers the step that finished last.
func (it *iteration) complete(step *Step, order int64) {
	it.steps[step.NodeID] = stepEnv(step)
	it.front.resolve(step)
	if step.Status != StepSkipped && order > it.lastOrder {
		it.last, it.lastOrder = step.NodeID, order
	}
}

// fail records the iteration's failure, naming the item's index and the
// node, and stops the loop.
func (it *iteration) fail(nodeID string, err *StepError) {
	if it.failure != nil {
		return
	}
	if err == nil {
		err = &StepError{Code: CodeAction, Message: "failed"}
	}
	it.failure = &StepError{Code: err.Code,
		Message: fmt.Sprintf("item %d: node %q: %s", it.index, nodeID, err.Message)}
	it.lr.fail(it.failure)
}

// result evaluates the loop's result setting in the iteration's scope,
// or returns the output of the body step that finished last.
func (it *iteration) result() (any, bool) {
	if it.lr.settings.Result == nil {
		if it.last == "" {
			return nil, true
		}
		return it.steps[it.last].Output, true
	}
	v, err := evalValue(it.lr.settings.Result, it.env())
	if err != nil {
		it.failure = &StepError{Code: CodeExpression,
			Message: fmt.Sprintf("item %d: settings.result: %v", it.index, err)}
		it.lr.fail(it.failure)
		return nil, false
	}
	return v, true
}

// env returns the scope of a body step: the loop's scope with item,
// index and the body steps of this iteration.
func (it *iteration) env() *designer.Env {
	base := it.lr.call.env
	steps := make(map[string]designer.StepState, len(base.Steps)+len(it.steps))
	for id, v := range base.Steps {
		steps[id] = v
	}
	for id, v := range it.steps {
		steps[id] = v
	}
	return &designer.Env{
		Trigger: base.Trigger,
		Inputs:  base.Inputs,
		Steps:   steps,
		Run:     base.Run,
		Item:    it.item,
		Index:   it.index,
		InLoop:  true,
	}
}

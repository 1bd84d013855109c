package designer

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Env is the data an expression reads. Trigger, Inputs and step outputs
// hold decoded JSON (map[string]any, []any, string, float64, bool, nil).
// A json.RawMessage is accepted too, but it is decoded on every access.
type Env struct {
	Trigger any
	Inputs  any
	Steps   map[string]StepState // by node id
	Run     map[string]any       // id, playbook_id, ...

	// Item and Index are the current item of the innermost loop whose body
	// runs the step, and its 0-based position in the loop's items. InLoop
	// marks them set: an expression that reads item or index fails when
	// InLoop is false.
	Item   any
	Index  int
	InLoop bool
}

// StepState is the state of an earlier step that expressions read as
// steps.<id>.output, steps.<id>.status and steps.<id>.error.
type StepState struct {
	Output any
	Status string
	Error  any
}

// scope is the expression environment. Its fields are the names in scope.
type scope struct {
	Trigger any `expr:"trigger"`
	Inputs  any `expr:"inputs"`
	Steps   any `expr:"steps"`
	Run     any `expr:"run"`
	Item    any `expr:"item"`
	Index   int `expr:"index"`
}

func (e *Env) scope() scope {
	if e == nil {
		return scope{}
	}
	return scope{Trigger: e.Trigger, Inputs: e.Inputs, Steps: e.Steps, Run: e.Run,
		Item: e.Item, Index: e.Index}
}

// errNotInLoop is an expression that reads item or index where no loop
// body runs it.
var errNotInLoop = errors.New("item and index are set only inside a loop body")

// program is one compiled expression with the step references found in it.
type program struct {
	source string
	vm     *vm.Program
	refs   []stepRef
	locals []stepRef // reads of item and index; step holds the name
}

// stepRef is a steps.<id> reference and its rune offset in the source.
type stepRef struct {
	step   string
	offset int
}

// ExprError is an expression that failed to compile or to evaluate.
// Offset is the 0-based rune offset of the failing part in Source.
type ExprError struct {
	Source  string
	Offset  int
	Message string
	Err     error // the underlying error, such as a *PathError
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("expression %q at column %d: %s", e.Source, e.Offset+1, e.Message)
}

func (e *ExprError) Unwrap() error { return e.Err }

// maxCachedPrograms bounds the program cache, which is dropped whole when
// it fills. NOTE: the bound is an estimate of the distinct expressions in
// the playbook versions in use, not a measured number.
const maxCachedPrograms = 4096

var programCache struct {
	sync.Mutex
	entries map[programKey]*program
}

type programKey struct {
	source    string
	condition bool
}

// compileExpr compiles src, or returns the cached program for it.
func compileExpr(src string, condition bool) (*program, error) {
	key := programKey{source: src, condition: condition}
	programCache.Lock()
	p, ok := programCache.entries[key]
	programCache.Unlock()
	if ok {
		return p, nil
	}

	p, err := compileUncached(src, condition)
	if err != nil {
		return nil, err
	}

	programCache.Lock()
	if programCache.entries == nil || len(programCache.entries) >= maxCachedPrograms {
		programCache.entries = make(map[programKey]*program)
	}
	programCache.entries[key] = p
	programCache.Unlock()
	return p, nil
}

func compileUncached(src string, condition bool) (*program, error) {
	patch := &accessPatcher{}
	prog, err := expr.Compile(src, append(exprOptions(), expr.Patch(patch))...)
	if err != nil {
		return nil, exprError(src, err)
	}
	if patch.err != nil {
		patch.err.Source = src
		return nil, patch.err
	}
	if condition {
		if err := checkBoolType(src, prog); err != nil {
			return nil, err
		}
	}
	return &program{source: src, vm: prog, refs: patch.refs, locals: patch.locals}, nil
}

// checkBoolType rejects a condition whose result type is known at compile
// time and is not a boolean, such as "1 + 2". A result of unknown type is
// checked when the condition runs.
func checkBoolType(src string, prog *vm.Program) *ExprError {
	t := prog.Node().Type()
	if t == nil || t.Kind() == reflect.Bool || t.Kind() == reflect.Interface {
		return nil
	}
	return &ExprError{Source: src, Message: fmt.Sprintf("result is %s, expected true or false", kindName(t))}
}

// kindName names a Go type the way the JSON type of its values is named.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "a " + t.String()
}

// run evaluates p against env.
func (p *program) run(env *Env) (any, error) {
	if len(p.locals) > 0 && (env == nil || !env.InLoop) {
		ref := p.locals[0]
		return nil, &ExprError{Source: p.source, Offset: ref.offset, Err: errNotInLoop,
			Message: ref.step + " is set only inside a loop body"}
	}
	out, err := expr.Run(p.vm, env.scope())
	if err != nil {
		return nil, exprError(p.source, err)
	}
	return out, nil
}

// exprError converts an expr-lang error into an *ExprError.
func exprError(src string, err error) *ExprError {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &ExprError{Source: src, Message: err.Error(), Err: err}
	}

	ee := &ExprError{Source: src, Offset: fe.From, Message: fe.Message, Err: fe.Unwrap()}
	var pe *PathError
	if errors.As(err, &pe) {
		ee.Message = pe.Error()
	}
	return ee
}

// decodeRaw decodes a json.RawMessage found in the data an expression reads.
func decodeRaw(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode JSON value: %w", err)
	}
	return v, nil
}

package designer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Value is a compiled settings value: a literal, a whole-field expression
// "${{ … }}" that keeps its result's type, a string with expressions
// interpolated into it, or a map or list of those. A Value is safe for
// concurrent use.
type Value struct {
	literal any
	whole   *program
	offset  int // rune offset of whole in its string
	parts   []templatePart
	object  map[string]*Value
	keys    []string // keys of object, sorted, so errors name the first failing key
	list    []*Value
	kind    valueKind
}

type valueKind int

const (
	kindLiteral valueKind = iota
	kindWhole
	kindTemplate
	kindObject
	kindList
)

// templatePart is literal text when prog is nil. Offset is the rune
// offset of the expression in the template string.
type templatePart struct {
	text   string
	prog   *program
	offset int
}

// valueExprError is an expression in a value that failed to compile, with
// the path of the value inside the compiled tree ("text", "tags[1]") and the
// 0-based rune offset in that string.
type valueExprError struct {
	path   string
	offset int
	err    *ExprError
}

// CompileValue compiles v, a decoded JSON value. Strings are scanned for
// "${{ … }}"; maps and lists are compiled element by element. The error
// names the first element whose expression does not compile.
func CompileValue(v any) (*Value, error) {
	var errs []valueExprError
	val := compileValue(v, "", &errs)
	if len(errs) > 0 {
		e := errs[0]
		if e.path == "" {
			return nil, e.err
		}
		return nil, fmt.Errorf("%s: %w", e.path, e.err)
	}
	return val, nil
}

// compileValue compiles v and appends every failing expression to errs.
func compileValue(v any, path string, errs *[]valueExprError) *Value {
	switch t := v.(type) {
	case string:
		return compileString(t, path, errs)
	case map[string]any:
		obj := make(map[string]*Value, len(t))
		for k, item := range t {
			obj[k] = compileValue(item, joinPath(path, k), errs)
		}
		return &Value{kind: kindObject, object: obj, keys: sortedKeys(obj)}
	case []any:
		list := make([]*Value, len(t))
		for i, item := range t {
			list[i] = compileValue(item, path+"["+strconv.Itoa(i)+"]", errs)
		}
		return &Value{kind: kindList, list: list}
	}
	return &Value{kind: kindLiteral, literal: v}
}

func compileString(s, path string, errs *[]valueExprError) *Value {
	if !strings.Contains(s, exprOpen) {
		return &Value{kind: kindLiteral, literal: s}
	}
	segs, serr := splitTemplate(s)
	if serr != nil {
		*errs = append(*errs, valueExprError{path: path, offset: serr.Offset, err: serr})
		return &Value{kind: kindLiteral, literal: s}
	}

	parts := make([]templatePart, len(segs))
	for i, seg := range segs {
		if !seg.isExpr {
			parts[i] = templatePart{text: seg.text}
			continue
		}
		prog, err := compileSegment(seg)
		if err != nil {
			*errs = append(*errs, valueExprError{path: path, offset: seg.offset + err.Offset, err: err})
			continue
		}
		parts[i] = templatePart{prog: prog, offset: seg.offset}
	}

	if len(parts) == 1 && parts[0].prog != nil {
		return &Value{kind: kindWhole, whole: parts[0].prog, offset: parts[0].offset}
	}
	return &Value{kind: kindTemplate, parts: parts}
}

// compileSegment compiles one "${{ … }}" body.
func compileSegment(seg segment) (*program, *ExprError) {
	if seg.text == "" {
		return nil, &ExprError{Source: seg.text, Message: "empty expression; write one between ${{ and }}"}
	}
	prog, err := compileExpr(seg.text, false)
	if err != nil {
		return nil, err.(*ExprError)
	}
	return prog, nil
}

func joinPath(path, key string) string {
	if !identifierPattern.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Eval evaluates v against env. Results are never scanned for "${{" again,
// so data that contains an expression stays data.
func (v *Value) Eval(env *Env) (any, error) {
	return v.eval(env, "")
}

func (v *Value) eval(env *Env, path string) (any, error) {
	switch v.kind {
	case kindWhole:
		out, err := v.whole.run(env)
		return out, wrapPath(path, err)
	case kindTemplate:
		out, err := v.interpolate(env)
		return out, wrapPath(path, err)
	case kindObject:
		out := make(map[string]any, len(v.object))
		for _, k := range v.keys {
			r, err := v.object[k].eval(env, joinPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case kindList:
		out := make([]any, len(v.list))
		for i, item := range v.list {
			r, err := item.eval(env, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v.literal, nil
}

func wrapPath(path string, err error) error {
	if err == nil || path == "" {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// interpolate evaluates each expression of a template and joins the parts.
// Strings are inserted as they are, times in RFC 3339, durations as Go
// durations such as "1h30m0s", and other values as JSON.
func (v *Value) interpolate(env *Env) (string, error) {
	var b strings.Builder
	for _, part := range v.parts {
		if part.prog == nil {
			b.WriteString(part.text)
			continue
		}
		out, err := part.prog.run(env)
		if err != nil {
			return "", err
		}
		if err := writeInterpolated(&b, out); err != nil {
			return "", &ExprError{Source: part.prog.source, Message: err.Error(), Err: err}
		}
	}
	return b.String(), nil
}

func writeInterpolated(b *strings.Builder, v any) error {
	switch t := v.(type) {
	case string:
		b.WriteString(t)
		return nil
	case time.Time:
		b.WriteString(t.Format(time.RFC3339Nano))
		return nil
	case time.Duration:
		b.WriteString(t.String())
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s as JSON: %w", typeName(v), err)
	}
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return nil
}

// References returns the ids of the steps v reads through steps.<id>,
// sorted and without duplicates.
func (v *Value) References() []string {
	var ids []string
	v.walkRefs("", func(_ string, ref stepRef) {
		ids = append(ids, ref.step)
	})
	slices.Sort(ids)
	return slices.Compact(ids)
}

// walkRefs calls fn for each step reference in v with the path of the
// string that holds it and its rune offset in that string.
func (v *Value) walkRefs(path string, fn func(path string, ref stepRef)) {
	v.walkPrograms(path, func(path string, p *program, offset int) {
		for _, ref := range p.refs {
			fn(path, stepRef{step: ref.step, offset: offset + ref.offset})
		}
	})
}

// walkLocals calls fn for each read of item or index in v, like walkRefs.
func (v *Value) walkLocals(path string, fn func(path string, ref stepRef)) {
	v.walkPrograms(path, func(path string, p *program, offset int) {
		for _, ref := range p.locals {
			fn(path, stepRef{step: ref.step, offset: offset + ref.offset})
		}
	})
}

// walkPrograms calls fn for each compiled expression in v with the path
// of the string that holds it and its rune offset in that string.
func (v *Value) walkPrograms(path string, fn func(path string, p *program, offset int)) {
	switch v.kind {
	case kindWhole:
		fn(path, v.whole, v.offset)
	case kindTemplate:
		for _, part := range v.parts {
			if part.prog != nil {
				fn(path, part.prog, part.offset)
			}
		}
	case kindObject:
		for _, k := range v.keys {
			v.object[k].walkPrograms(joinPath(path, k), fn)
		}
	case kindList:
		for i, item := range v.list {
			item.walkPrograms(path+"["+strconv.Itoa(i)+"]", fn)
		}
	}
}

// Package jsontransform is the bundled action json.transform: it picks,
// flattens and renames the fields of a JSON value.
package jsontransform

import (
	"sort"
	"strconv"

	"github.com/updraftsoar/updraft/actions/sdk"
)

// Input is the input of json.transform. The steps run in the order pick,
// flatten, rename.
type Input struct {
	Data any `json:"data"`
	// Pick lists paths; when set, the result is an object holding the
	// value at each path under the path as its key.
	Pick []string `json:"pick"`
	// Flatten turns nested objects and arrays into one object whose keys
	// are the paths of the leaves, such as "alerts[0].host.name". A
	// result that is not an object or an array stays as it is.
	Flatten bool `json:"flatten"`
	// Rename maps top-level keys of the result to new keys.
	Rename map[string]string `json:"rename"`
}

// Output is the output of json.transform.
type Output struct {
	Result any `json:"result"`
	// Missing lists the pick paths and rename keys that were not found.
	Missing []string `json:"missing"`
}

// Run is the action function of json.transform.
func Run(_ *sdk.Context, in Input) (Output, error) {
	out := Output{Result: in.Data, Missing: []string{}}
	if in.Pick != nil {
		picked, missing, err := pick(in.Data, in.Pick)
		if err != nil {
			return Output{}, sdk.Errorf(sdk.CodeInvalidInput, "pick: %v", err)
		}
		out.Result, out.Missing = picked, append(out.Missing, missing...)
	}
	if in.Flatten && isContainer(out.Result) {
		flat := map[string]any{}
		flatten(flat, "", out.Result)
		out.Result = flat
	}
	if len(in.Rename) > 0 {
		renamed, missing, err := rename(out.Result, in.Rename)
		if err != nil {
			return Output{}, err
		}
		out.Result, out.Missing = renamed, append(out.Missing, missing...)
	}
	return out, nil
}

func pick(data any, paths []string) (map[string]any, []string, error) {
	picked := map[string]any{}
	var missing []string
	for _, path := range paths {
		value, ok, err := lookup(data, path)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			missing = append(missing, path)
			continue
		}
		picked[path] = value
	}
	return picked, missing, nil
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// flatten adds the leaves of v to flat under their paths. An empty object
// or array is a leaf.
func flatten(flat map[string]any, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 && prefix != "" {
			flat[prefix] = x
		}
		for key, value := range x {
			flatten(flat, appendKey(prefix, key), value)
		}
	case []any:
		if len(x) == 0 && prefix != "" {
			flat[prefix] = x
		}
		for i, value := range x {
			flatten(flat, prefix+"["+strconv.Itoa(i)+"]", value)
		}
	default:
		flat[prefix] = x
	}
}

// rename renames the keys of the object v. Keys are renamed in sorted
// order, and a new key replaces an existing key of that name.
func rename(v any, names map[string]string) (map[string]any, []string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, nil, sdk.Errorf(sdk.CodeInvalidInput, "rename: the result is not an object")
	}
	renamed := make(map[string]any, len(obj))
	for key, value := range obj {
		if _, ok := names[key]; !ok {
			renamed[key] = value
		}
	}
	from := make([]string, 0, len(names))
	for key := range names {
		from = append(from, key)
	}
	sort.Strings(from)
	var missing []string
	for _, key := range from {
		value, ok := obj[key]
		if !ok {
			missing = append(missing, key)
			continue
		}
		renamed[names[key]] = value
	}
	return renamed, missing, nil
}

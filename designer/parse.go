package designer

import (
	"errors"
	"regexp"
	"strconv"
)

// ParsePlaybook decodes a playbook from JSON. It rejects invalid JSON,
// duplicate keys, unknown fields and values of the wrong JSON type with a
// *ValidationError whose one problem names the field, such as
// nodes[2].retry.attempts. Node settings are checked later, by Validate.
func ParsePlaybook(data []byte) (*Playbook, error) {
	var p Playbook
	err := decodeStrict(data, &p, "")
	if err == nil {
		return &p, nil
	}

	var fe *fieldError
	if !errors.As(err, &fe) {
		return nil, &ValidationError{Problems: []Problem{{Message: err.Error()}}}
	}
	return nil, &ValidationError{Problems: []Problem{placeProblem(data, fe)}}
}

var elementPath = regexp.MustCompile(`^(nodes|edges)\[(\d+)\]\.?`)

// placeProblem turns a field error into a problem on the node or edge the
// path points into, with the field relative to it.
func placeProblem(data []byte, fe *fieldError) Problem {
	m := elementPath.FindStringSubmatch(fe.path)
	if m == nil {
		return Problem{Field: fe.path, Message: fe.msg}
	}

	index, _ := strconv.Atoi(m[2])
	rest := fe.path[len(m[0]):]
	if m[1] == "nodes" {
		return Problem{NodeID: elementID(data, "nodes", index), Field: rest, Message: fe.msg}
	}
	return Problem{EdgeID: elementID(data, "edges", index), Field: rest, Message: fe.msg}
}

// elementID returns the id of nodes[index] or edges[index] in data when
// it can be read, or the indexed path.
func elementID(data []byte, list string, index int) string {
	fallback := list + "[" + strconv.Itoa(index) + "]"
	doc, err := parseJSON(data, "")
	if err != nil {
		return fallback
	}
	obj, _ := doc.(map[string]any)
	items, _ := obj[list].([]any)
	if index >= len(items) {
		return fallback
	}
	item, _ := items[index].(map[string]any)
	if id, ok := item["id"].(string); ok && id != "" {
		return id
	}
	return fallback
}

package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var englishPrinter = message.NewPrinter(language.English)

// Schema is a compiled JSON Schema. It is safe for concurrent use.
type Schema struct {
	raw      json.RawMessage
	compiled *jsonschema.Schema
}

// CompileSchema compiles a JSON Schema document. A schema without "$schema"
// is read as draft 2020-12. Formats such as "uri" and "email" are asserted.
// References resolve only inside the document: the compiler loads no file
// and no URL.
func CompileSchema(raw json.RawMessage) (*Schema, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("schema is missing")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %w", err)
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	const location = "urn:updraft:schema"
	if err := c.AddResource(location, doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	compiled, err := c.Compile(location)
	if err != nil {
		return nil, fmt.Errorf("schema does not compile: %w", err)
	}
	return &Schema{raw: bytes.Clone(raw), compiled: compiled}, nil
}

// Raw returns the schema document as it was compiled.
func (s *Schema) Raw() json.RawMessage { return s.raw }

// Validate checks a JSON document against the schema. The error names the
// JSON Pointer of each failing value, such as `at "/ip": ...`, and wraps
// ErrSchemaMismatch.
func (s *Schema) Validate(doc json.RawMessage) error {
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("%w: not valid JSON: %w", ErrSchemaMismatch, err)
	}
	return s.ValidateValue(value)
}

// ValidateValue checks a decoded JSON value, as produced by
// jsonschema.UnmarshalJSON or encoding/json with UseNumber, against the
// schema.
func (s *Schema) ValidateValue(value any) error {
	err := s.compiled.Validate(value)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("%w: %w", ErrSchemaMismatch, err)
	}
	return &MismatchError{Problems: leafProblems(verr)}
}

// MismatchError lists why a document does not match a schema, one problem
// per failing value.
type MismatchError struct {
	Problems []Problem
}

// Problem is one failing value: its JSON Pointer ("" for the whole
// document) and what is wrong with it.
type Problem struct {
	Path    string
	Message string
}

func (e *MismatchError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("at %q: %s", p.Path, p.Message)
	}
	return "does not match schema: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is match ErrSchemaMismatch.
func (e *MismatchError) Unwrap() error { return ErrSchemaMismatch }

// leafProblems flattens the validation tree to its leaves, because the
// inner nodes only repeat that a subschema failed.
func leafProblems(verr *jsonschema.ValidationError) []Problem {
	if len(verr.Causes) == 0 {
		return []Problem{{
			Path:    jsonPointer(verr.InstanceLocation),
			Message: verr.ErrorKind.LocalizedString(englishPrinter),
		}}
	}
	var problems []Problem
	for _, cause := range verr.Causes {
		problems = append(problems, leafProblems(cause)...)
	}
	const maxProblems = 10
	if len(problems) > maxProblems {
		problems = problems[:maxProblems]
	}
	return problems
}

func jsonPointer(tokens []string) string {
	var sb strings.Builder
	for _, tok := range tokens {
		tok = strings.ReplaceAll(tok, "~", "~0")
		tok = strings.ReplaceAll(tok, "/", "~1")
		sb.WriteString("/" + tok)
	}
	return sb.String()
}

// noLoader rejects every external reference, so a schema cannot make the
// server read a local file or fetch a URL.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not allowed", url)
}

package defang

import "github.com/updraftsoar/updraft/actions/sdk"

// Input is the input of ioc.defang and ioc.refang: a text, a list of
// values, or both.
type Input struct {
	Text   *string  `json:"text,omitzero"`
	Values []string `json:"values,omitzero"`
}

// Output holds the converted text and values, each present when the
// Input set it.
type Output struct {
	Text   *string  `json:"text,omitzero"`
	Values []string `json:"values,omitzero"`
}

// RunDefang is the action function of ioc.defang.
func RunDefang(_ *sdk.Context, in Input) (Output, error) {
	return convert(in, Defang)
}

// RunRefang is the action function of ioc.refang.
func RunRefang(_ *sdk.Context, in Input) (Output, error) {
	return convert(in, Refang)
}

func convert(in Input, fn func(string) string) (Output, error) {
	if in.Text == nil && in.Values == nil {
		return Output{}, sdk.Errorf(sdk.CodeInvalidInput, "input has neither text nor values")
	}
	var out Output
	if in.Text != nil {
		text := fn(*in.Text)
		out.Text = &text
	}
	if in.Values != nil {
		out.Values = make([]string, len(in.Values))
		for i, v := range in.Values {
			out.Values[i] = fn(v)
		}
	}
	return out, nil
}

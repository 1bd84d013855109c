package defang

import (
	"errors"
	"slices"
	"testing"

	"github.com/updraftsoar/updraft/actions/sdk"
)

func TestRefang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hxxps://a[.]example/x", "https://a.example/x"},
		{"hXXp://a(.)example", "http://a.example"},
		{"h**ps://a{.}example", "https://a.example"},
		{"fxp://files[.]example/a.bin", "ftp://files.example/a.bin"},
		{"a[dot]example", "a.example"},
		{"a(dot)example", "a.example"},
		{"user[@]a.example", "user@a.example"},
		{"user[at]a.example", "user@a.example"},
		{"hxxps[://]a.example", "https://a.example"},
		{"plain text", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Refang(tt.in); got != tt.want {
				t.Errorf("Refang(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDefang(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"url", "https://paypa1-secure.example/verify?id=3f9a7c",
			"hxxps://paypa1-secure[.]example/verify?id=3f9a7c"},
		{"upper case scheme", "HTTP://A.example", "hxxp://A[.]example"},
		{"ftp", "ftp://files.example/a", "fxp://files[.]example/a"},
		{"ipv4", "beacon to 203.0.113.9:443", "beacon to 203[.]0[.]113[.]9:443"},
		{"email", "mail support-desk@mailbox-relay.example now",
			"mail support-desk[@]mailbox-relay[.]example now"},
		{"sentence dots kept", "Done. See e.g. version 1.2.3 today.",
			"Done. See e.g. version 1.2.3 today."},
		{"already defanged", "hxxps://a[.]example 203[.]0[.]113[.]9 x[@]a[.]example",
			"hxxps://a[.]example 203[.]0[.]113[.]9 x[@]a[.]example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Defang(tt.in); got != tt.want {
				t.Errorf("Defang(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDefang_RefangRestores(t *testing.T) {
	for _, text := range []string{
		"Click https://paypa1-secure.example/verify?id=3f9a7c or mail support-desk@mailbox-relay.example",
		"pixel http://203.0.113.9/t.gif?u=jdoe and ftp://files.example/x.zip",
		"No indicators here. Just words, e.g. this.",
	} {
		if got := Refang(Defang(text)); got != text {
			t.Errorf("Refang(Defang(%q)) = %q", text, got)
		}
	}
}

func TestRun(t *testing.T) {
	text := "see 203.0.113.9"
	ctx := sdk.NewTestContext(nil)

	t.Run("defang text and values", func(t *testing.T) {
		out, err := RunDefang(ctx, Input{Text: &text, Values: []string{"a.example", "x@b.example"}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Text == nil {
			t.Fatal("text is missing")
		}
		if *out.Text != "see 203[.]0[.]113[.]9" {
			t.Errorf("text = %q, want \"see 203[.]0[.]113[.]9\"", *out.Text)
		}
		if want := []string{"a[.]example", "x[@]b[.]example"}; !slices.Equal(out.Values, want) {
			t.Errorf("values = %q, want %q", out.Values, want)
		}
	})
	t.Run("refang values only", func(t *testing.T) {
		out, err := RunRefang(ctx, Input{Values: []string{"hxxp://a[.]example"}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Text != nil {
			t.Errorf("text = %q, want none", *out.Text)
		}
		if want := []string{"http://a.example"}; !slices.Equal(out.Values, want) {
			t.Errorf("values = %q, want %q", out.Values, want)
		}
	})
	t.Run("empty input", func(t *testing.T) {
		_, err := RunDefang(ctx, Input{})
		var serr *sdk.Error
		if !errors.As(err, &serr) || serr.Code != sdk.CodeInvalidInput {
			t.Errorf("error = %v, want code invalid_input", err)
		}
	})
}

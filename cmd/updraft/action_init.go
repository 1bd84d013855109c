package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"text/template"

	"golang.org/x/mod/semver"

	"github.com/updraftsoar/updraft/actions"
)

//go:embed scaffold/*.tmpl
var scaffoldFS embed.FS

var scaffoldTemplates = template.Must(template.ParseFS(scaffoldFS, "scaffold/*.tmpl"))

// scaffoldFiles maps each written file to its template.
var scaffoldFiles = map[string]string{
	"go.mod":         "go.mod.tmpl",
	"main.go":        "main.go.tmpl",
	"action.go":      "action.go.tmpl",
	"action_test.go": "action_test.go.tmpl",
	"manifest.json":  "manifest.json.tmpl",
	"README.md":      "README.md.tmpl",
}

// scaffold is the data of the scaffold templates.
type scaffold struct {
	Name           string // action name, such as "text.words"
	Slug           string // Name with dots as dashes, such as "text-words"
	Module         string // Go module path of the new action
	GoVersion      string
	UpdraftVersion string // required version of the Updraft module
	Replace        string // local Updraft source tree, or empty
}

func initActionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("updraft action init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "`directory` to create (default NAME with dots as dashes)")
	sdk := fs.String("sdk", "", "Updraft source `directory` whose actions/sdk the action builds "+
		"against, through a replace directive (default: the module version of this updraft binary)")
	name, err := parseWithDir(fs, args)
	if err != nil {
		return flagStatus(err)
	}
	if name == "." {
		fmt.Fprintf(stderr, "updraft action init: missing NAME, such as text.words\n")
		return 2
	}
	written, err := writeScaffold(name, *dir, *sdk)
	if err != nil {
		return exitStatus(stderr, "updraft action init", err)
	}
	fmt.Fprintf(stdout, "wrote the action %s to %s\n", name, written)
	fmt.Fprintf(stdout, "next: cd %s && go test -mod=mod ./... && updraft action build\n", written)
	return 0
}

// writeScaffold writes a new Go action into dir and returns dir. It fails
// when dir exists and is not empty.
func writeScaffold(name, dir, sdkDir string) (string, error) {
	data, err := newScaffold(name, sdkDir)
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = data.Slug
	}
	if err := makeEmptyDir(dir); err != nil {
		return "", err
	}
	for file, tmpl := range scaffoldFiles {
		var buf bytes.Buffer
		if err := scaffoldTemplates.ExecuteTemplate(&buf, tmpl, data); err != nil {
			return "", fmt.Errorf("%s: %w", file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func newScaffold(name, sdkDir string) (*scaffold, error) {
	if err := actions.CheckName(name); err != nil {
		return nil, fmt.Errorf("action name: %w", err)
	}
	slug := strings.ReplaceAll(name, ".", "-")
	data := &scaffold{
		Name:      name,
		Slug:      slug,
		Module:    "updraft-actions/" + slug,
		GoVersion: strings.TrimPrefix(goruntime.Version(), "go"),
	}
	if sdkDir != "" {
		abs, err := filepath.Abs(sdkDir)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(abs, "actions", "sdk")); err != nil {
			return nil, fmt.Errorf("--sdk %s is not an Updraft source tree: %w", sdkDir, err)
		}
		data.Replace = abs
		data.UpdraftVersion = "v0.0.0-00010101000000-000000000000"
		return data, nil
	}
	version, _, _ := strings.Cut(buildVersion(), " ")
	if !semver.IsValid(version) {
		return nil, fmt.Errorf("this updraft binary has no release version (%q); "+
			"pass --sdk with the path of an Updraft source tree", version)
	}
	data.UpdraftVersion = version
	return data, nil
}

// makeEmptyDir creates dir, or accepts it when it exists and is empty.
func makeEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("directory %s is not empty; pass --dir with a new directory", dir)
	}
	return nil
}

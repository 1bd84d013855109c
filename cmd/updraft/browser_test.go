package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// editorBundle is the built editor island, relative to this package. The
// binary embeds it at compile time, so the pages are blank without it.
const editorBundle = "../../web/static/dist/editor.js"

// browserTimeout bounds one whole browser test, so a hung page fails the
// test instead of the package timeout.
const browserTimeout = 2 * time.Minute

// newBrowser starts a headless chromium with a fresh profile and with the
// background networking, component updates, sync and QUIC turned off, so the
// browser talks only to the page under test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test needs %s: apt-get install chromium", chromiumPath)
	}
	if _, err := os.Stat(editorBundle); err != nil {
		t.Skipf("browser test needs the editor bundle %s: "+
			"npm ci --prefix web/editor && npm run --prefix web/editor build", editorBundle)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1400, 900),
	}
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// do runs actions in order and fails the test, naming step, on the first
// error.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value into a T.
func eval[T any](t *testing.T, ctx context.Context, step, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// byTestID selects the element with a data-testid attribute.
func byTestID(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id)) }

// center returns the middle of the element that sel matches, in viewport
// coordinates.
func center(t *testing.T, ctx context.Context, sel chromedp.CSS) (x, y float64) {
	t.Helper()
	do(t, ctx, "wait for "+string(sel), chromedp.WaitVisible(sel))
	rect := eval[struct{ X, Y, W, H float64 }](t, ctx, "measure "+string(sel), fmt.Sprintf(
		`(() => { const r = document.querySelector(%q).getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`, string(sel)))
	return rect.X + rect.W/2, rect.Y + rect.H/2
}

// leftButtonHeld marks a mouse event as sent with the left button down.
func leftButtonHeld(p *input.DispatchMouseEventParams) {
	p.Button = input.MouseButtonLeft
	p.Buttons = 1
}

// drag presses the left button at (x0, y0), moves in steps to (x1, y1) and
// releases it there, as a person dragging with a mouse would.
func drag(x0, y0, x1, y1 float64) chromedp.Action[chromedp.Void] {
	const steps = 10
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0,
			leftButtonHeld, chromedp.ClickCount(1)),
	}
	for i := 1; i <= steps; i++ {
		f := float64(i) / steps
		x, y := x0+(x1-x0)*f, y0+(y1-y0)*f
		actions = append(actions,
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y, leftButtonHeld))
	}
	actions = append(actions,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1,
			chromedp.ButtonLeft, chromedp.ClickCount(1)))
	return chromedp.Steps(actions...)
}

// selectText selects the whole text of an input or textarea, so typing
// replaces it.
func selectText(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void](
			fmt.Sprintf(`document.querySelector(%q).select()`, string(sel)))(ctx, tg)
		return err
	})
}

// saveWait bounds the wait for a save, so a failed save reports its
// problems rather than the test's deadline.
const saveWait = 30 * time.Second

// waitSaved waits until the editor reports that it saved version, and
// otherwise fails with the status line and the problems on the nodes.
func waitSaved(t *testing.T, ctx context.Context, version int) {
	t.Helper()
	waitCtx, cancel := context.WithTimeout(ctx, saveWait)
	defer cancel()
	saved := chromedp.CSS(fmt.Sprintf(
		`[data-testid="save-status"][data-state="saved"][data-version="%d"]`, version))
	if err := chromedp.Do(waitCtx, chromedp.WaitReady(saved)); err != nil {
		status := eval[string](t, ctx, "read save status",
			`document.querySelector('[data-testid="save-status"]').textContent`)
		problems := eval[[]string](t, ctx, "read problems", readProblemsJS)
		t.Fatalf("save of version %d: %v; status %q, problems %q", version, err, status, problems)
	}
}

// canvasNode is a node as the editor draws it: its id and the canvas
// position in its transform.
type canvasNode struct {
	ID        string `json:"id"`
	Transform string `json:"transform"`
}

const readCanvasJS = `[...document.querySelectorAll('.react-flow__node')]
	.map(n => ({id: n.dataset.id, transform: n.style.transform}))
	.sort((a, b) => a.id.localeCompare(b.id))`

const readEdgesJS = `[...document.querySelectorAll('.react-flow__edge')]
	.map(e => e.getAttribute('data-id')).sort()`

const readProblemsJS = `[...document.querySelectorAll('[data-testid^="problems-"]')]
	.map(p => p.dataset.testid + ": " + p.textContent)`

// saveAsOtherSessionJS saves the playbook whose id fills %q unchanged
// through the API, and returns the new version.
const saveAsOtherSessionJS = `(async () => {
	const url = '/api/v1/playbooks/' + encodeURIComponent(%q);
	const pb = await (await fetch(url)).json();
	delete pb.webhooks;
	const csrf = document.querySelector('meta[name="csrf-token"]').content;
	const res = await fetch(url, {method: 'PUT', body: JSON.stringify(pb),
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
	const body = await res.json();
	if (!res.ok) throw new Error(res.status + ' ' + JSON.stringify(body));
	return body.version;
})()`

const readStatusesJS = `Object.fromEntries([...document.querySelectorAll('[data-testid^="node-"]')]
	.map(n => [n.dataset.testid, n.dataset.status]))`

func TestBrowser_BuildSaveAndRunPlaybook(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)

	do(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), srv.Token),
		chromedp.Click(byTestID("sign-in")),
		chromedp.WaitVisible(byTestID("new-playbook")),
	)
	do(t, ctx, "open new playbook",
		chromedp.Click(byTestID("new-playbook")),
		chromedp.WaitVisible(byTestID("palette-trigger_manual")),
		chromedp.WaitVisible(chromedp.CSS(`.react-flow__pane`)),
	)

	// Drop three nodes onto the canvas from the palette with mouse events.
	canvasX, canvasY := center(t, ctx, byTestID("canvas"))
	drops := []struct {
		item, node string
		dx         float64
	}{
		{"palette-trigger_manual", "node-manual_trigger", -260},
		{"palette-transform", "node-transform", 0},
		{"palette-end", "node-end", 260},
	}
	for _, d := range drops {
		x, y := center(t, ctx, byTestID(d.item))
		do(t, ctx, "drag "+d.item,
			drag(x, y, canvasX+d.dx, canvasY-40),
			chromedp.WaitVisible(byTestID(d.node)),
		)
	}

	// Connect trigger to transform to end by dragging between handles.
	links := [][2]string{
		{"handle-manual_trigger-success", "handle-transform-in"},
		{"handle-transform-success", "handle-end-in"},
	}
	for i, link := range links {
		x0, y0 := center(t, ctx, byTestID(link[0]))
		x1, y1 := center(t, ctx, byTestID(link[1]))
		do(t, ctx, "connect "+link[0],
			drag(x0, y0, x1, y1),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Poll[chromedp.Void](fmt.Sprintf(
					`document.querySelectorAll('.react-flow__edge').length === %d`, i+1))(ctx, tg)
				return err
			}),
		)
	}

	// A transform without values is invalid: the save reports it on the node.
	do(t, ctx, "save invalid",
		chromedp.SendKeys(byTestID("playbook-name"), "Browser triage"),
		chromedp.Click(byTestID("save")),
		chromedp.WaitReady(chromedp.CSS(`[data-testid="save-status"][data-state="error"]`)),
	)
	problems := eval[[]string](t, ctx, "read problems", readProblemsJS)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "problems-transform: ") {
		t.Errorf("problems after saving an empty transform = %q, want one on transform", problems)
	}

	do(t, ctx, "fill transform values",
		chromedp.Click(byTestID("node-transform")),
		chromedp.WaitVisible(byTestID("settings-values")),
		chromedp.Focus(byTestID("settings-values")),
		selectText(byTestID("settings-values")),
		chromedp.SendKeys(byTestID("settings-values"), `{"severity": "${{ 'high' }}"}`),
		chromedp.Click(byTestID("save")),
	)
	waitSaved(t, ctx, 1)
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	playbookID := strings.TrimPrefix(u.Path, "/playbooks/")
	if playbookID == u.Path || playbookID == "" || playbookID == "new" {
		t.Fatalf("editor location after save = %q, want /playbooks/<id>", location)
	}
	saved := eval[[]canvasNode](t, ctx, "read saved canvas", readCanvasJS)
	if len(saved) != 3 {
		t.Fatalf("nodes on canvas after save = %v, want 3", saved)
	}

	do(t, ctx, "reload editor", chromedp.Reload(), chromedp.WaitVisible(byTestID("node-end")))
	assertSameNodes(t, "after reload", saved, eval[[]canvasNode](t, ctx, "read canvas", readCanvasJS))

	do(t, ctx, "reopen from list",
		chromedp.Navigate(srv.URL+"/playbooks"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="playbook-%s"] a`, playbookID))),
		chromedp.WaitVisible(byTestID("node-end")),
	)
	reopened := eval[[]canvasNode](t, ctx, "read canvas", readCanvasJS)
	assertSameNodes(t, "after reopening", saved, reopened)
	edges := eval[[]string](t, ctx, "read edges", readEdgesJS)
	if len(edges) != 2 {
		t.Errorf("edges after reopening = %v, want 2", edges)
	}
	name, err := chromedp.Run(ctx, chromedp.Value(byTestID("playbook-name")))
	if err != nil {
		t.Fatal(err)
	}
	if name != "Browser triage" {
		t.Errorf("playbook name after reopening = %q, want %q", name, "Browser triage")
	}

	// Another session saves version 2, so saving the reopened version 1
	// conflicts, and overwriting saves version 3.
	otherSave, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		fmt.Sprintf(saveAsOtherSessionJS, playbookID), chromedp.EvalAwaitPromise))
	if err != nil || otherSave != 2 {
		t.Fatalf("save from another session = version %d, %v; want version 2", otherSave, err)
	}
	do(t, ctx, "save stale version",
		chromedp.SendKeys(byTestID("playbook-name"), " v3"),
		chromedp.Click(byTestID("save")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="save-status"][data-state="conflict"]`)),
		chromedp.Click(byTestID("conflict-overwrite")),
	)
	waitSaved(t, ctx, 3)

	do(t, ctx, "start run",
		chromedp.Click(byTestID("run")),
		chromedp.Click(byTestID("run-start")),
		chromedp.WaitVisible(byTestID("run-status")),
	)
	location, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(location, "/runs/") {
		t.Fatalf("location after starting a run = %q, want /runs/<id>", location)
	}

	do(t, ctx, "watch run",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"][data-status="succeeded"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-end"][data-status="succeeded"]`)),
	)
	statuses := eval[map[string]string](t, ctx, "read statuses", readStatusesJS)
	for _, id := range []string{"node-manual_trigger", "node-transform", "node-end"} {
		if statuses[id] != "succeeded" {
			t.Errorf("run view %s status = %q, want succeeded", id, statuses[id])
		}
	}

	// Clicking a node shows its step's input and output.
	do(t, ctx, "open step",
		chromedp.Click(byTestID("node-transform")),
		chromedp.WaitVisible(byTestID("step-output")),
	)
	output, err := chromedp.Run(ctx, chromedp.Text(byTestID("step-output")))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(output)) {
		t.Errorf("step output panel = %q, want JSON", output)
	}
}

func assertSameNodes(t *testing.T, when string, want, got []canvasNode) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("nodes %s = %v, want %v", when, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("node %s = %+v, want %+v", when, got[i], want[i])
		}
	}
}

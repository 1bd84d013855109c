package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// approvalPlaybookJS creates, through the API, a playbook in which a manual
// trigger leads to an approval whose approve and reject options each lead
// to a transform, and returns the playbook's id.
const approvalPlaybookJS = `(async () => {
	const csrf = document.querySelector('meta[name="csrf-token"]').content;
	const pb = {
		name: "Browser approval",
		nodes: [
			{id: "start", type: "trigger", position: {x: 0, y: 0}, settings: {kind: "manual"}},
			{id: "ask", type: "approval", name: "Isolate the host?", position: {x: 300, y: 0},
			 settings: {question: "Isolate LAPTOP-7?", comment: "required"}},
			{id: "isolate", type: "transform", name: "Isolate", position: {x: 600, y: -80},
			 settings: {values: {done: "${{ steps.ask.output.option }}"}}},
			{id: "ignore", type: "transform", name: "Ignore", position: {x: 600, y: 80},
			 settings: {values: {done: "ignored"}}}
		],
		edges: [
			{from: "start", port: "success", to: "ask"},
			{from: "ask", port: "option:approve", to: "isolate"},
			{from: "ask", port: "option:reject", to: "ignore"}
		]
	};
	const res = await fetch('/api/v1/playbooks', {method: 'POST', body: JSON.stringify(pb),
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
	const body = await res.json();
	if (!res.ok) throw new Error(res.status + ' ' + JSON.stringify(body));
	return body.id;
})()`

// approvalWait bounds each wait for a run state, so a stuck run reports
// the statuses on the page rather than the test's deadline.
const approvalWait = 30 * time.Second

// waitFor waits until sel is visible and otherwise fails with the node
// statuses and the run status on the page.
func waitFor(t *testing.T, ctx context.Context, step string, sel chromedp.CSS) {
	t.Helper()
	waitCtx, cancel := context.WithTimeout(ctx, approvalWait)
	defer cancel()
	if err := chromedp.Do(waitCtx, chromedp.WaitVisible(sel)); err != nil {
		statuses := eval[map[string]string](t, ctx, "read statuses", readStatusesJS)
		t.Fatalf("%s: %v; node statuses %v", step, err, statuses)
	}
}

func TestBrowser_AnswerApprovalInRunView(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)

	do(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), srv.Token),
		chromedp.Click(byTestID("sign-in")),
		chromedp.WaitVisible(byTestID("new-playbook")),
	)
	playbookID, err := chromedp.Run(ctx, chromedp.Evaluate[string](approvalPlaybookJS,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("create playbook: %v", err)
	}

	// The editor draws one handle per approval option.
	do(t, ctx, "open playbook",
		chromedp.Navigate(srv.URL+"/playbooks/"+playbookID),
		chromedp.WaitVisible(byTestID("handle-ask-option:approve")),
		chromedp.WaitVisible(byTestID("handle-ask-option:reject")),
	)
	do(t, ctx, "start run",
		chromedp.Click(byTestID("run")),
		chromedp.Click(byTestID("run-start")),
		chromedp.WaitVisible(byTestID("run-status")),
	)
	waitFor(t, ctx, "approval step waits",
		chromedp.CSS(`[data-testid="node-ask"][data-status="waiting"]`))
	waitFor(t, ctx, "run waits", chromedp.CSS(`[data-testid="run-status"][data-status="waiting"]`))
	if n := eval[int](t, ctx, "count cancel buttons",
		`document.querySelectorAll('[data-testid="run-cancel"]').length`); n != 1 {
		t.Errorf("cancel buttons on a waiting run = %d, want 1", n)
	}

	// The comment is required, so the page rejects an answer without one
	// and the step keeps waiting.
	waitFor(t, ctx, "approval form", byTestID("approval-form-ask"))
	question, err := chromedp.Run(ctx, chromedp.Text(byTestID("approval-question")))
	if err != nil {
		t.Fatal(err)
	}
	if question != "Isolate LAPTOP-7?" {
		t.Errorf("approval question = %q, want %q", question, "Isolate LAPTOP-7?")
	}
	do(t, ctx, "answer without comment",
		chromedp.Click(byTestID("approval-option-approve")),
		chromedp.WaitVisible(byTestID("approval-error")),
	)
	do(t, ctx, "answer approve",
		chromedp.SendKeys(byTestID("approval-comment"), "confirmed with the user"),
		chromedp.Click(byTestID("approval-option-approve")),
	)

	waitFor(t, ctx, "run succeeds", chromedp.CSS(`[data-testid="run-status"][data-status="succeeded"]`))
	statuses := eval[map[string]string](t, ctx, "read statuses", readStatusesJS)
	want := map[string]string{
		"node-start":   "succeeded",
		"node-ask":     "succeeded",
		"node-isolate": "succeeded",
		"node-ignore":  "skipped",
	}
	for id, status := range want {
		if statuses[id] != status {
			t.Errorf("run view %s status = %q, want %q", id, statuses[id], status)
		}
	}
	if n := eval[int](t, ctx, "count cancel buttons",
		`document.querySelectorAll('[data-testid="run-cancel"]').length`); n != 0 {
		t.Errorf("cancel buttons on an ended run = %d, want 0", n)
	}

	// The approval step's output records the answer.
	do(t, ctx, "open approval step",
		chromedp.Click(byTestID("node-ask")),
		chromedp.WaitVisible(byTestID("step-output")),
	)
	output, err := chromedp.Run(ctx, chromedp.Text(byTestID("step-output")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"option": "approve"`, `"comment": "confirmed with the user"`} {
		if !strings.Contains(output, s) {
			t.Errorf("approval step output lacks %s; output:\n%s", s, output)
		}
	}

	// Rerunning from the approval opens a new run that links the original
	// and waits for a new answer.
	runURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "rerun from approval", chromedp.Click(byTestID("step-rerun")))
	waitFor(t, ctx, "rerun links original", byTestID("run-rerun-of"))
	rerunURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if rerunURL == runURL || !strings.Contains(rerunURL, "/runs/") {
		t.Errorf("location after rerun = %q, want a new /runs/<id> (original %q)", rerunURL, runURL)
	}
	waitFor(t, ctx, "rerun waits",
		chromedp.CSS(`[data-testid="node-ask"][data-status="waiting"]`))

	// The Approvals page lists the rerun's approval, and canceling the run
	// from the run view ends it.
	do(t, ctx, "open approvals",
		chromedp.Navigate(srv.URL+"/approvals"),
		chromedp.WaitVisible(byTestID("approval-list")),
	)
	rows := eval[int](t, ctx, "count approvals",
		`document.querySelectorAll('[data-testid="approval-list"] tbody tr').length`)
	if rows != 1 {
		t.Errorf("pending approvals listed = %d, want 1", rows)
	}
	do(t, ctx, "cancel rerun",
		chromedp.Navigate(rerunURL),
		chromedp.WaitVisible(byTestID("run-cancel")),
		chromedp.Click(byTestID("run-cancel")),
	)
	waitFor(t, ctx, "rerun canceled", chromedp.CSS(`[data-testid="run-status"][data-status="canceled"]`))
	do(t, ctx, "approvals after cancel",
		chromedp.Navigate(srv.URL+"/approvals"),
		chromedp.WaitVisible(byTestID("approvals-empty")),
	)
}

func TestBrowser_DropNodeIntoLoop(t *testing.T) {
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
		chromedp.WaitVisible(byTestID("palette-loop")),
		chromedp.WaitVisible(chromedp.CSS(`.react-flow__pane`)),
	)
	canvasX, canvasY := center(t, ctx, byTestID("canvas"))
	x, y := center(t, ctx, byTestID("palette-loop"))
	do(t, ctx, "drop loop", drag(x, y, canvasX-120, canvasY-160), chromedp.WaitVisible(byTestID("node-loop")))

	// The body area of the frame lies below the loop's header.
	loop := eval[struct{ X, Y, W, H float64 }](t, ctx, "measure loop",
		`(() => { const r = document.querySelector('[data-testid="node-loop"]').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`)
	x, y = center(t, ctx, byTestID("palette-transform"))
	do(t, ctx, "drop transform into loop",
		drag(x, y, loop.X+loop.W/3, loop.Y+loop.H-40),
		chromedp.WaitVisible(byTestID("node-transform")),
	)
	x, y = center(t, ctx, byTestID("palette-end"))
	do(t, ctx, "drop end outside",
		drag(x, y, canvasX+250, canvasY+150),
		chromedp.WaitVisible(byTestID("node-end")),
	)

	parents := eval[map[string]string](t, ctx, "read parents",
		`Object.fromEntries([...document.querySelectorAll('[data-testid^="node-"]')]
		.map(n => [n.dataset.testid, n.dataset.parent || ""]))`)
	want := map[string]string{"node-loop": "", "node-transform": "loop", "node-end": ""}
	for id, parent := range want {
		if parents[id] != parent {
			t.Errorf("%s parent = %q, want %q", id, parents[id], parent)
		}
	}
}

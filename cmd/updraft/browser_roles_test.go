package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/updraftsoar/updraft/runtime"
)

// signInBrowser signs the browser in with token and waits for the
// playbooks page.
func signInBrowser(t *testing.T, ctx context.Context, srv *testServer, token string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), token),
		chromedp.Click(byTestID("sign-in")),
		chromedp.WaitVisible(byTestID("new-playbook")),
	)
}

// answerFromPageJS posts an answer with the page's session and CSRF token
// and returns the status and the error message, as a page script would.
const answerFromPageJS = `(async () => {
	const csrf = document.querySelector('meta[name="csrf-token"]').content;
	const res = await fetch('/api/v1/approvals/%s', {method: 'POST',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
		body: JSON.stringify({option: "approve", comment: "from the page"})});
	const body = await res.json();
	return {Status: res.status, Message: (body.error && body.error.message) || ""};
})()`

func TestBrowser_ApprovalAssigneeRole(t *testing.T) {
	srv := startServer(t)
	analyst := srv.createToken(t, "ana", "analyst")
	forAnalysts := srv.startRunAs(t, srv.savePlaybookAs(t, approvalFlow("For analysts", "analyst")))
	forDevelopers := srv.startRunAs(t, srv.savePlaybookAs(t, approvalFlow("For developers", "developer")))
	analystApproval := srv.pendingApproval(t, forAnalysts)
	developerApproval := srv.pendingApproval(t, forDevelopers)

	ctx := newBrowser(t)
	signInBrowser(t, ctx, srv, analyst.Token)

	// The navigation hides the admin pages, and the Approvals page lists
	// only the approval assigned to analysts.
	links := eval[[]string](t, ctx, "read navigation",
		`[...document.querySelectorAll('nav[aria-label="Main"] a')].map(a => a.getAttribute('href'))`)
	for _, hidden := range []string{"/secrets", "/tokens", "/audit", "/openapi"} {
		if strings.Contains(strings.Join(links, " "), hidden) {
			t.Errorf("navigation of an analyst links %s: %v", hidden, links)
		}
	}
	do(t, ctx, "open approvals",
		chromedp.Navigate(srv.URL+"/approvals"),
		chromedp.WaitVisible(byTestID("approval-list")),
	)
	rows := eval[[]string](t, ctx, "read approval rows",
		`[...document.querySelectorAll('[data-testid="approval-list"] tbody tr')].map(r => r.dataset.testid)`)
	if len(rows) != 1 || rows[0] != "approval-"+analystApproval {
		t.Errorf("approval rows = %v, want only approval-%s", rows, analystApproval)
	}

	// The run view of the developers' approval shows no answer form, and
	// an answer sent from the page anyway is rejected and not stored.
	do(t, ctx, "open the developers' run",
		chromedp.Navigate(srv.URL+"/runs/"+forDevelopers),
		chromedp.WaitVisible(byTestID("approval-not-assignee")),
	)
	note, err := chromedp.Run(ctx, chromedp.Text(byTestID("approval-not-assignee")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "developer") {
		t.Errorf("note %q does not name the developer role", note)
	}
	if n := eval[int](t, ctx, "count answer buttons",
		`document.querySelectorAll('[data-testid^="approval-option-"]').length`); n != 0 {
		t.Errorf("answer buttons on the developers' approval = %d, want 0", n)
	}
	rejected, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Status  int
		Message string
	}](fmt.Sprintf(answerFromPageJS, developerApproval), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if rejected.Status != http.StatusForbidden || !strings.Contains(rejected.Message, "developer") {
		t.Errorf("answer from the page = %d %q, want 403 naming the developer role",
			rejected.Status, rejected.Message)
	}
	var stored runtime.Approval
	srv.mustDo(t, http.MethodGet, "/api/v1/approvals/"+developerApproval, nil, http.StatusOK, &stored)
	if stored.Answer != nil || stored.Status != runtime.ApprovalPending {
		t.Errorf("developers' approval after the 403: answer %+v, status %s; want none, pending",
			stored.Answer, stored.Status)
	}

	// The analysts' approval is answered on the Approvals page.
	do(t, ctx, "answer the analysts' approval",
		chromedp.Navigate(srv.URL+"/approvals"),
		chromedp.WaitVisible(byTestID("approval-option-approve")),
		chromedp.Click(byTestID("approval-option-approve")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="approval-list"] [role="status"]`)),
	)
	srv.waitRunStatus(t, forAnalysts, runtime.RunSucceeded)
	srv.mustDo(t, http.MethodGet, "/api/v1/approvals/"+analystApproval, nil, http.StatusOK, &stored)
	if stored.Answer == nil || stored.Answer.By != "ana" || stored.Answer.Option != "approve" {
		t.Errorf("analysts' approval answer = %+v, want approve by ana", stored.Answer)
	}
}

func TestBrowser_TokensPageCreatesToken(t *testing.T) {
	srv := startServer(t)
	ctx := newBrowser(t)
	signInBrowser(t, ctx, srv, srv.Token)

	do(t, ctx, "create a token",
		chromedp.Navigate(srv.URL+"/tokens"),
		chromedp.WaitVisible(byTestID("token-form")),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="token-form"] input[name="name"]`), "vera"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="token-form"] select[name="role"]`), "viewer"),
		chromedp.Click(chromedp.CSS(`[data-testid="token-form"] button[type="submit"]`)),
		chromedp.WaitVisible(byTestID("created-token-value")),
	)
	token, err := chromedp.Run(ctx, chromedp.Text(byTestID("created-token-value")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "upd_") {
		t.Fatalf("created token %q does not start with upd_", token)
	}

	do(t, ctx, "sign out", chromedp.Click(byTestID("sign-out")), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	signInBrowser(t, ctx, srv, token)
	links := eval[[]string](t, ctx, "read navigation",
		`[...document.querySelectorAll('nav[aria-label="Main"] a')].map(a => a.getAttribute('href'))`)
	if want := "/playbooks /runs /approvals /dashboard /actions"; strings.Join(links, " ") != want {
		t.Errorf("navigation of a viewer = %v, want %s", links, want)
	}
}

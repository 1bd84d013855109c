// HTTP client of the Updraft JSON API. Requests carry the session cookie,
// and unsafe ones the CSRF token from <meta name="csrf-token">.
import type { ActionInfo, Approval, Playbook, Problem, Run } from "./types";

// ApiError is a failed API response: its HTTP status and the server's
// error code, message and validation problems.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function csrfToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');
  return meta?.content ?? "";
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();

  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text === "" ? undefined : parseJSON(text);
  if (!res.ok) throw toApiError(res, data);
  return data as T;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(res: Response, data: unknown): ApiError {
  const err = (data as { error?: { code?: string; message?: string; problems?: Problem[] } })
    ?.error;
  const message = err?.message || `${res.status} ${res.statusText}`;
  return new ApiError(res.status, err?.code ?? "", message, err?.problems ?? []);
}

export function getPlaybook(id: string, version?: number): Promise<Playbook> {
  const query = version ? `?version=${version}` : "";
  return request("GET", `/api/v1/playbooks/${encodeURIComponent(id)}${query}`);
}

export function createPlaybook(pb: Playbook): Promise<Playbook> {
  return request("POST", "/api/v1/playbooks", pb);
}

// updatePlaybook saves a new version. pb.version is the version the edit was
// based on, and the server returns 409 when a newer one exists.
export function updatePlaybook(id: string, pb: Playbook): Promise<Playbook> {
  return request("PUT", `/api/v1/playbooks/${encodeURIComponent(id)}`, pb);
}

// startRun starts the latest version of a playbook from its manual trigger.
// inputs must match the playbook's inputs schema when it declares one.
export async function startRun(
  playbookId: string,
  inputs: Record<string, unknown>,
): Promise<{ id: string }> {
  const res = await request<{ run_id?: string }>(
    "POST",
    `/api/v1/playbooks/${encodeURIComponent(playbookId)}/runs`,
    inputs,
  );
  if (!res?.run_id) throw new ApiError(500, "", "the run response has no run_id");
  return { id: res.run_id };
}

// getRun fetches a run with its steps. It accepts both the run object with
// a steps field and {run, steps}.
export async function getRun(id: string): Promise<Run> {
  const res = await request<Run & { run?: Run }>("GET", `/api/v1/runs/${encodeURIComponent(id)}`);
  const run = res.run ? { ...res.run, steps: res.steps ?? res.run.steps } : res;
  return { ...run, steps: run.steps ?? [] };
}

export async function listActions(): Promise<ActionInfo[]> {
  const res = await request<ActionInfo[] | { actions: ActionInfo[] }>("GET", "/api/v1/actions");
  return Array.isArray(res) ? res : (res?.actions ?? []);
}

// runEventsURL returns the websocket URL of a run's events after seq.
export function runEventsURL(runId: string, after: number): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/api/v1/runs/${encodeURIComponent(runId)}/events?after=${after}`;
}

// RunSummary is a run as the run list returns it, without steps.
export type RunSummary = Omit<Run, "steps"> & { created_at?: string };

// listRuns returns the most recent runs, newest first, of every playbook or
// of one.
export function listRuns(playbookId?: string): Promise<RunSummary[]> {
  const query = playbookId ? `?playbook_id=${encodeURIComponent(playbookId)}` : "";
  return request("GET", `/api/v1/runs${query}`);
}

// listPlaybooks returns the latest version of every playbook.
export async function listPlaybooks(): Promise<Playbook[]> {
  const res = await request<Playbook[] | { playbooks: Playbook[] }>("GET", "/api/v1/playbooks");
  return Array.isArray(res) ? res : (res?.playbooks ?? []);
}

// cancelRun requests the cancellation of an active run. The run ends as
// canceled once its steps stop.
export async function cancelRun(id: string): Promise<void> {
  await request("POST", `/api/v1/runs/${encodeURIComponent(id)}/cancel`, {});
}

// rerunRun starts a new run of the same playbook version that reuses the
// steps of run id before fromNode and runs fromNode and what follows again.
export async function rerunRun(id: string, fromNode: string): Promise<{ id: string }> {
  const res = await request<{ run_id?: string }>(
    "POST",
    `/api/v1/runs/${encodeURIComponent(id)}/rerun`,
    { from_node: fromNode },
  );
  if (!res?.run_id) throw new ApiError(500, "", "the rerun response has no run_id");
  return { id: res.run_id };
}

// listApprovals returns the approvals in one status ("pending" for those
// waiting for an answer), newest first. With answerable set, it returns
// only those that the signed-in role may answer.
export async function listApprovals(status = "pending", answerable = false): Promise<Approval[]> {
  const query = answerable ? "&answerable=true" : "";
  const res = await request<Approval[] | { approvals: Approval[] }>(
    "GET",
    `/api/v1/approvals?status=${encodeURIComponent(status)}${query}`,
  );
  return Array.isArray(res) ? res : (res?.approvals ?? []);
}

export function getApproval(id: string): Promise<Approval> {
  return request("GET", `/api/v1/approvals/${encodeURIComponent(id)}`);
}

// answerApproval answers a pending approval with one of its options. The
// server rejects a missing comment when the approval requires one, and a
// comment when it takes none.
export async function answerApproval(id: string, option: string, comment: string): Promise<void> {
  await request("POST", `/api/v1/approvals/${encodeURIComponent(id)}`, { option, comment });
}

// HTTP client of the Updraft JSON API. Requests carry the session cookie,
// and unsafe ones the CSRF token from <meta name="csrf-token">.
import type { ActionInfo, Playbook, Problem, Run } from "./types";

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

// listRuns returns the most recent runs in the order the server sends them.
export function listRuns(): Promise<RunSummary[]> {
  return request("GET", "/api/v1/runs");
}

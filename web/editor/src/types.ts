// Shapes of the JSON that the Updraft API sends and accepts. They mirror the
// Go types in designer, runtime and actions.

export type Position = { x: number; y: number };

export type PlaybookNode = {
  id: string;
  type: NodeType;
  name?: string;
  position: Position;
  settings?: Record<string, unknown>;
  retry?: RetryPolicy;
  timeout?: string;
  on_error?: string;
  parent?: string;
};

// RetryPolicy sets how a failed step is retried. Delays are Go durations.
export type RetryPolicy = {
  attempts: number;
  initial_delay?: string;
  max_delay?: string;
  retry_on?: string[];
};

export type PlaybookEdge = {
  id?: string;
  from: string;
  port: string;
  to: string;
};

export type Playbook = {
  id?: string;
  version?: number;
  name: string;
  description?: string;
  inputs?: Record<string, unknown>;
  nodes: PlaybookNode[];
  edges: PlaybookEdge[];
  created_at?: string;
  // webhooks lists the URL of each webhook trigger. The server sends it and
  // rejects it on save, so the editor drops it before saving.
  webhooks?: { node_id: string; url: string }[];
};

export type NodeType =
  | "trigger"
  | "action"
  | "condition"
  | "transform"
  | "end"
  | "switch"
  | "loop"
  | "join"
  | "approval"
  | "delay"
  | "subplaybook";

export type JSONSchema = Record<string, unknown>;

export type ActionManifest = {
  name: string;
  version: string;
  title: string;
  description?: string;
  category?: string;
  input_schema?: JSONSchema;
  output_schema?: JSONSchema;
  side_effects?: boolean;
};

export type ActionInfo = {
  manifest: ActionManifest;
  sha256: string;
  builtin: boolean;
};

// StepStatus is a stored step state, or "waiting", which the run view shows
// for a running approval or delay step that waits for a person or a time.
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "waiting";

export type Step = {
  id: string;
  node_id: string;
  status: StepStatus;
  attempt?: number;
  port?: string;
  input?: unknown;
  output?: unknown;
  error?: { code: string; message: string } | string | null;
  reused_from?: string;
};

export type Run = {
  id: string;
  playbook_id: string;
  playbook_version: number;
  status: string;
  error?: string;
  created_at?: string;
  parent_run_id?: string;
  parent_step_id?: string;
  rerun_of?: string;
  steps: Step[];
};

// ApprovalAnswer is the answer to an approval, or its timeout.
export type ApprovalAnswer = {
  option?: string;
  comment?: string;
  by?: string;
  at: string;
  timed_out: boolean;
};

// Approval is the request of an approval step. comment is "optional",
// "required" or "none". can_answer is true when the approval is pending and
// the signed-in role may answer it: the assignee role or admin.
export type Approval = {
  id: string;
  run_id: string;
  step_id: string;
  node_id: string;
  playbook_id: string;
  question: string;
  options: string[];
  assignee_role: string;
  comment: string;
  default_option?: string;
  deadline?: string;
  status: "pending" | "answered" | "timed_out" | "canceled";
  created_at: string;
  answer?: ApprovalAnswer;
  can_answer?: boolean;
};

export type RunEvent = {
  run_id: string;
  seq: number;
  time: string;
  type: string;
  node_id?: string;
  step_id?: string;
  data?: Record<string, unknown>;
};

// Problem is one validation finding of a rejected save.
export type Problem = {
  node_id?: string;
  field?: string;
  column?: number;
  message: string;
};

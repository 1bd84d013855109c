// Shapes of the JSON that the Updraft API sends and accepts. They mirror the
// Go types in designer, runtime and actions.

export type Position = { x: number; y: number };

export type PlaybookNode = {
  id: string;
  type: NodeType;
  name?: string;
  position: Position;
  settings?: Record<string, unknown>;
  retry?: unknown;
  timeout?: string;
  on_error?: string;
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

export type NodeType = "trigger" | "action" | "condition" | "transform" | "end";

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

export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped";

export type Step = {
  id: string;
  node_id: string;
  status: StepStatus;
  attempt?: number;
  port?: string;
  input?: unknown;
  output?: unknown;
  error?: { code: string; message: string } | string | null;
};

export type Run = {
  id: string;
  playbook_id: string;
  playbook_version: number;
  status: string;
  error?: string;
  steps: Step[];
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

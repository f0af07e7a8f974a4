// Version 4: the quality gate's verdicts and the few-shot example library. Verdicts are kept per request
// (score, reasons, the cloud request it escalated to); examples carry their source and status, and each
// use is a row, so an example's track record is the labels of the requests it was used in.
// requests.replaced_by names the cloud request whose answer replaced a node's (an escalation, "Ask the
// cloud", a vision fallback): such a node answer saved no cloud tokens. The *_metrics indexes cover the
// learning series of the dashboard (metrics/learning.ts), read as index ranges like migration 002's.
export const sql = `
ALTER TABLE requests ADD COLUMN replaced_by TEXT;
CREATE TABLE quality_gate_results (
  request_id TEXT PRIMARY KEY,
  score REAL NOT NULL,
  p_cloud REAL NOT NULL,
  passed INTEGER NOT NULL,
  reasons TEXT NOT NULL,
  signals TEXT NOT NULL,
  escalated_to TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX quality_gate_results_metrics ON quality_gate_results(created_at, score, escalated_to);
CREATE TABLE few_shot_examples (
  id TEXT PRIMARY KEY,
  prompt TEXT NOT NULL,
  answer TEXT NOT NULL,
  task_type TEXT NOT NULL,
  signature TEXT NOT NULL,
  source TEXT NOT NULL,
  source_request_id TEXT,
  status TEXT NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX few_shot_examples_status ON few_shot_examples(status);
CREATE TABLE example_uses (
  example_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX example_uses_example ON example_uses(example_id);
CREATE INDEX example_uses_request ON example_uses(request_id);
CREATE INDEX adaptive_learning_logs_time ON adaptive_learning_logs(created_at);
CREATE INDEX feedback_metrics ON feedback_data(kind, created_at, value);
CREATE INDEX ml_router_training_metrics ON ml_router_training_data(created_at, route, label, rerouted);
`;

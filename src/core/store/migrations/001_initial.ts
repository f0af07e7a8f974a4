// Version 1: requests, conversations and messages, plus the tables the later features fill
// (router training data and predictions, feedback, adaptive learning); empty until then.
export const sql = `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  workspace TEXT NOT NULL,
  title TEXT,
  created_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE INDEX conversations_workspace ON conversations(workspace, created_at);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  request_id TEXT,
  meta TEXT,
  error TEXT,
  cancelled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  conversation_id TEXT,
  source TEXT NOT NULL,
  category TEXT,
  task TEXT,
  route TEXT,
  node TEXT,
  model TEXT,
  strategy TEXT,
  reason TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  tokens_estimated INTEGER NOT NULL DEFAULT 0,
  ttft_ms REAL,
  total_ms REAL,
  attempts INTEGER NOT NULL DEFAULT 1,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'cancelled', 'error')),
  error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX requests_created ON requests(created_at);

CREATE TABLE ml_router_training_data (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  features TEXT NOT NULL,
  route TEXT NOT NULL,
  quality_score REAL,
  rerouted INTEGER,
  thumbs INTEGER,
  ttft_ms REAL,
  total_ms REAL,
  tokens INTEGER,
  cloud_tokens_saved INTEGER,
  label TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE ml_router_predictions (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  model_version TEXT,
  predicted_route TEXT NOT NULL,
  confidence REAL,
  probabilities TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE feedback_data (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value INTEGER,
  reason TEXT,
  route TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE adaptive_learning_logs (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  example_id TEXT,
  details TEXT,
  created_at INTEGER NOT NULL
);
`;

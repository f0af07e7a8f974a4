// Version 10: retention (store/retention.ts). Per-request rows older than the kept days are rolled up into
// daily aggregates before they are deleted, so the dashboard's "all time" stays right (metrics/ reads them for
// the days before the tables' first kept day). `day` is the start of a UTC day (epoch ms). daily_requests has
// one row per day and the keys the dashboard groups by (route, node, strategy, outcome) with the sums its
// figures are made of; daily_learning one row per rolled-up day with the learning series' counts (labels,
// thumbs, gate verdicts). A day rolled up twice (a late row) adds rows: every reader sums.
export const sql = `
CREATE TABLE daily_requests (
  day INTEGER NOT NULL,
  route TEXT,
  node TEXT,
  strategy TEXT,
  outcome TEXT NOT NULL,
  requests INTEGER NOT NULL,
  with_ttft INTEGER NOT NULL,
  ttft_sum REAL NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  with_tps INTEGER NOT NULL,
  tps_sum REAL NOT NULL,
  replaced INTEGER NOT NULL,
  replaced_prompt_tokens INTEGER NOT NULL,
  replaced_completion_tokens INTEGER NOT NULL,
  compressed INTEGER NOT NULL,
  context_tokens_before INTEGER NOT NULL,
  context_tokens_after INTEGER NOT NULL
);
CREATE INDEX daily_requests_day ON daily_requests(day);
CREATE TABLE daily_learning (
  day INTEGER NOT NULL,
  labelled INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  rerouted INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  thumbs INTEGER NOT NULL,
  thumbs_up INTEGER NOT NULL,
  gate_scored INTEGER NOT NULL,
  gate_score_sum REAL NOT NULL,
  escalated INTEGER NOT NULL
);
CREATE INDEX daily_learning_day ON daily_learning(day);
`;

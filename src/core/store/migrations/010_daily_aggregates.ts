// Version 10: retention (store/retention.ts). Per-request rows older than the kept days are rolled up into
// daily aggregates before they are deleted, so the dashboard's "all time" stays right (metrics/days.ts reads
// them for the time before the tables' first kept instant). `day` is the start of a UTC day (epoch ms).
// Retention rolls up a slice of at most a few hundred requests at a time and adds it to its day's rows (an
// upsert), so a day has one row per key however many slices and late rows it took. daily_requests: per day and
// the keys the charts group by (route, node, outcome; '' for none, as a key cannot be NULL), the sums its
// figures are made of; daily_strategies: requests per day and strategy (a key of its own: crossed with the
// others it would double the rows the dashboard reads); daily_learning: per day, the learning series' counts
// (labels, thumbs, gate verdicts) and `until`, the end of the latest slice: the tables hold the rows from there on.
export const sql = `
CREATE TABLE daily_requests (
  day INTEGER NOT NULL,
  route TEXT NOT NULL,
  node TEXT NOT NULL,
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
CREATE UNIQUE INDEX daily_requests_key ON daily_requests(day, route, node, outcome);
CREATE TABLE daily_strategies (
  day INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  requests INTEGER NOT NULL
);
CREATE UNIQUE INDEX daily_strategies_key ON daily_strategies(day, strategy);
CREATE TABLE daily_learning (
  day INTEGER NOT NULL,
  until INTEGER NOT NULL,
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
CREATE UNIQUE INDEX daily_learning_day ON daily_learning(day);
CREATE INDEX daily_learning_until ON daily_learning(until);
`;

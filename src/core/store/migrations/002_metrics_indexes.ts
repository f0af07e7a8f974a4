// Version 2: covering indexes for the dashboard (src/core/metrics). Each dashboard figure is read as
// index range scans (one per series key and time bucket) that never touch the table rows, so a
// 100k-request history aggregates in milliseconds (bench/metrics.ts, docs/dashboard-metrics.md).
// The tokens/s expression must stay identical to TOKENS_PER_SECOND_SQL in src/core/metrics/dashboard.ts:
// SQLite only reads an indexed expression from the index when the query spells it the same way.
export const sql = `
CREATE INDEX requests_metrics_route ON requests(route, outcome, created_at, prompt_tokens, completion_tokens, ttft_ms);
CREATE INDEX requests_metrics_node ON requests(node, outcome, created_at, ttft_ms,
  (CASE WHEN total_ms > ttft_ms THEN completion_tokens * 1000.0 / (total_ms - ttft_ms) END));
CREATE INDEX requests_metrics_strategy ON requests(strategy, created_at);
CREATE INDEX requests_metrics_ttft ON requests(outcome, ttft_ms, created_at);
`;

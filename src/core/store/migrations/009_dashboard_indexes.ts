// Version 9: the dashboard series migration 002 left without a covering index (issue 20: at 100k requests the
// compression series walked every answered request once per bucket, 1 s for "all"). Partial indexes: each holds
// only the rows its series counts (compressed contexts, replaced node answers, labelled and rejected node answers),
// so a bucket's aggregate reads a short index range. A query uses a partial index only when its WHERE repeats the
// index's condition: metrics/compression.ts, dashboard.ts (replaced, rejected) and learning.ts spell it the same way
// and name the index (without statistics the planner prefers an equality on another index to a range on these).
export const sql = `
CREATE INDEX requests_metrics_compression ON requests(created_at, context_tokens_before, context_tokens_after)
  WHERE outcome = 'ok' AND context_tokens_before IS NOT NULL;
CREATE INDEX requests_metrics_replaced ON requests(created_at, route, prompt_tokens, completion_tokens, outcome, replaced_by)
  WHERE outcome = 'ok' AND replaced_by IS NOT NULL;
CREATE INDEX ml_router_training_labelled ON ml_router_training_data(created_at, label, rerouted, route)
  WHERE label IS NOT NULL AND route != 'cloud';
CREATE INDEX ml_router_training_rejected ON ml_router_training_data(created_at, thumbs, rerouted) WHERE thumbs = -1 OR rerouted = 1;
`;

// Version 3: the learned router's bookkeeping. Training rows are found by request (feedback arrives
// later, by request id) and read newest first for retraining; rerouted_to links a node answer to the
// cloud answer the user asked for instead, whose outcome decides the label; router_events is the log the
// dashboard shows: model loads and fallbacks, retrains, A/B promotions.
export const sql = `
ALTER TABLE ml_router_training_data ADD COLUMN rerouted_to TEXT;
CREATE INDEX ml_router_training_rerouted_to ON ml_router_training_data(rerouted_to);
CREATE INDEX ml_router_training_request ON ml_router_training_data(request_id);
CREATE INDEX ml_router_training_label ON ml_router_training_data(label, created_at);
CREATE INDEX ml_router_predictions_request ON ml_router_predictions(request_id);
CREATE INDEX feedback_request ON feedback_data(request_id);
CREATE TABLE router_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

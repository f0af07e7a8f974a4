// Version 3: the learned router's bookkeeping. Training rows are found by request (feedback arrives
// later, by request id) and read newest first for retraining; router_events is the log the dashboard
// shows: model loads and fallbacks, retrains, A/B promotions.
export const sql = `
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

// Version 7: the meaning of each routed question as a sentence embedding (Float32 bytes), by encoder model, so
// the router's personal model learns from the user's own labelled requests (router/personal.ts). Only the most
// recent rows are kept (RouterData.recordEmbedding prunes). And the users' verdicts by time, covering, for the
// dashboard's acceptance (answers not thumbed down and not asked again of the cloud).
export const sql = `
CREATE TABLE prompt_embeddings (
  request_id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX prompt_embeddings_model ON prompt_embeddings(model, created_at);
CREATE INDEX ml_router_training_verdicts ON ml_router_training_data(created_at, thumbs, rerouted, request_id);
`;

// Version 7: the meaning of each routed question as a sentence embedding (Float32 bytes), by encoder model, so
// the router's personal model learns from the user's own labelled requests (router/personal.ts). Only the most
// recent rows are kept (RouterData.recordEmbedding prunes).
export const sql = `
CREATE TABLE prompt_embeddings (
  request_id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX prompt_embeddings_model ON prompt_embeddings(model, created_at);
`;

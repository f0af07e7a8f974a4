// Version 5: context compression. Each request records the context tokens before and after compression
// (NULL when nothing was compressed), so the dashboard counts the tokens it kept from the cloud; chunk
// embeddings are cached by model and content hash so a file seen before costs no embedding call.
export const sql = `
ALTER TABLE requests ADD COLUMN context_tokens_before INTEGER;
ALTER TABLE requests ADD COLUMN context_tokens_after INTEGER;
CREATE TABLE embedding_cache (
  model TEXT NOT NULL,
  hash TEXT NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (model, hash)
);
`;

// Chunk embeddings by model and content hash (table embedding_cache, migration 5). Bounded: past
// MAX_ROWS the oldest rows go, so a long-lived database does not grow with every file ever attached.

import type { Store } from './db';

export const MAX_ROWS = 20_000;

/** Fits context/embeddings.ts EmbeddingCache structurally: the store imports no policy module to name it. */
export class StoreEmbeddingCache {
  constructor(private readonly store: Store) {}

  async get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    // SQLite allows 999 parameters per statement in older builds: ask in slices.
    for (let i = 0; i < hashes.length; i += 500) {
      const slice = hashes.slice(i, i + 500);
      const rows = await this.store.query<{ hash: string; vector: Uint8Array }>(
        `SELECT hash, vector FROM embedding_cache WHERE model = ? AND hash IN (${slice.map(() => '?').join(',')})`,
        [model, ...slice],
      );
      for (const r of rows) out.set(r.hash, new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)));
    }
    return out;
  }

  async put(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    const now = Date.now();
    for (const [hash, v] of entries) {
      this.store.write('INSERT OR REPLACE INTO embedding_cache (model, hash, vector, created_at) VALUES (?, ?, ?, ?)', [model, hash, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), now]);
    }
    const n = Number((await this.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM embedding_cache'))[0]?.n ?? 0);
    if (n > MAX_ROWS) {
      this.store.write('DELETE FROM embedding_cache WHERE rowid IN (SELECT rowid FROM embedding_cache ORDER BY created_at LIMIT ?)', [n - MAX_ROWS]);
    }
  }
}

// Semantic relevance from an embedding model (an Ollama node's /api/embed, e.g. nomic-embed-text, through
// the node pool: nodes/embedder.ts). Vectors are cached by model and content hash, so only new chunks are
// embedded; a node that is slow or down costs at most EMBED_TIMEOUT_MS (providers/ollama.ts), after which
// compression goes on with lexical relevance alone.

import { createHash } from 'node:crypto';
import type { Chunk } from './analyze';
import { cosine } from './relevance';

export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export interface EmbeddingCache {
  get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  put(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void>;
}

/** Long chunks are embedded by their start: models truncate anyway, and the signature and doc come first. */
const EMBED_MAX_CHARS = 2000;

const hashOf = (text: string) => createHash('sha1').update(text).digest('hex');

/** Cosine similarity of each chunk to the question; chunk vectors come from the cache when it has them. */
export async function embeddingSimilarities(embedder: Embedder, cache: EmbeddingCache | undefined, question: string, chunks: readonly Chunk[]): Promise<number[]> {
  const texts = chunks.map((c) => c.text.slice(0, EMBED_MAX_CHARS));
  const hashes = texts.map(hashOf);
  const known = (await cache?.get(embedder.model, hashes)) ?? new Map<string, Float32Array>();
  const missing = [...new Set(hashes.filter((h) => !known.has(h)))];
  const textOf = new Map(hashes.map((h, i) => [h, texts[i]!]));
  const vectors = await embedder.embed([question, ...missing.map((h) => textOf.get(h)!)]);
  const fresh = new Map(missing.map((h, i) => [h, Float32Array.from(vectors[i + 1]!)]));
  if (fresh.size > 0) await cache?.put(embedder.model, fresh);
  const q = vectors[0]!;
  return hashes.map((h) => cosine(q, known.get(h) ?? fresh.get(h)!));
}

// Semantic relevance from an embedding model: an Ollama node's /api/embed (e.g. nomic-embed-text).
// Vectors are cached by model and content hash, so only new chunks are embedded; a node that is slow or
// down costs at most EMBED_TIMEOUT_MS, after which compression goes on with lexical relevance alone.

import { createHash } from 'node:crypto';
import { Ollama } from 'ollama';
import type { Chunk } from './analyze';
import { cosine } from './relevance';

export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export interface EmbeddingCache {
  get(model: string, hashes: readonly string[]): Map<string, Float32Array>;
  put(model: string, entries: ReadonlyMap<string, Float32Array>): void;
}

export const EMBED_TIMEOUT_MS = 10_000;
/** Long chunks are embedded by their start: models truncate anyway, and the signature and doc come first. */
const EMBED_MAX_CHARS = 2000;
const BATCH = 64;

/** Embeddings from an Ollama server's /api/embed. One client per call, so a timeout aborts just that call. */
export class OllamaEmbedder implements Embedder {
  constructor(
    private readonly baseUrl: string,
    readonly model: string,
    private readonly timeoutMs = EMBED_TIMEOUT_MS,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const client = new Ollama({ host: this.baseUrl, fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }) });
    try {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const { embeddings } = await client.embed({ model: this.model, input: texts.slice(i, i + BATCH), truncate: true });
        if (embeddings.length !== Math.min(BATCH, texts.length - i)) throw new Error(`${this.model} returned ${embeddings.length} embeddings for ${Math.min(BATCH, texts.length - i)} texts`);
        out.push(...embeddings);
      }
      return out;
    } catch (err) {
      if (controller.signal.aborted) throw new Error(`no embeddings from ${this.baseUrl} within ${this.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

const hashOf = (text: string) => createHash('sha1').update(text).digest('hex');

/** Cosine similarity of each chunk to the question; chunk vectors come from the cache when it has them. */
export async function embeddingSimilarities(embedder: Embedder, cache: EmbeddingCache | undefined, question: string, chunks: readonly Chunk[]): Promise<number[]> {
  const texts = chunks.map((c) => c.text.slice(0, EMBED_MAX_CHARS));
  const hashes = texts.map(hashOf);
  const known = cache?.get(embedder.model, hashes) ?? new Map<string, Float32Array>();
  const missing = [...new Set(hashes.filter((h) => !known.has(h)))];
  const textOf = new Map(hashes.map((h, i) => [h, texts[i]!]));
  const vectors = await embedder.embed([question, ...missing.map((h) => textOf.get(h)!)]);
  const fresh = new Map(missing.map((h, i) => [h, Float32Array.from(vectors[i + 1]!)]));
  if (fresh.size > 0) cache?.put(embedder.model, fresh);
  const q = vectors[0]!;
  return hashes.map((h) => cosine(q, known.get(h) ?? fresh.get(h)!));
}

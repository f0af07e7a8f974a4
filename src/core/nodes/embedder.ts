// Embeddings through the node pool, like chat requests: a node that serves the embedding model is leased
// (its slots and breaker apply), a failing one counts a fault and the next node that has the model is tried.
// Waiting for a slot is bounded like the call itself: embeddings only sharpen ranking, and compression goes on
// lexically without them rather than holding a cloud request behind a busy node.

import type { Logger } from '../log';
import type { ProviderFactory } from '../providers/factory';
import { EMBED_TIMEOUT_MS } from '../providers/ollama';
import type { NodePool } from './pool';

export class PoolEmbedder {
  constructor(
    private readonly pool: NodePool,
    private readonly providers: ProviderFactory,
    readonly model: string,
    private readonly log: Logger,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    const tried = new Set<string>();
    const errors: string[] = [];
    for (;;) {
      const lease = await this.lease(tried);
      if (!lease) throw new Error(errors.length ? errors.join('; ') : `no healthy node serves ${this.model}`);
      tried.add(lease.node.name);
      try {
        const vectors = await this.providers.embedder(lease.node, lease.model).embed(texts);
        lease.release({ ok: true });
        return vectors;
      } catch (err) {
        const message = `node "${lease.node.name}": ${(err as Error).message}`;
        lease.release({ ok: false, nodeFault: message });
        this.log.warn(`Embeddings (${this.model}) failed on ${message}`);
        errors.push(message);
      }
    }
  }

  private async lease(tried: Set<string>) {
    const waited = new AbortController();
    const timer = setTimeout(() => waited.abort(), EMBED_TIMEOUT_MS);
    try {
      return await this.pool.acquire({ tiers: ['local', 'lan'], models: [this.model], exclude: tried, expectedOutputTokens: 1, signal: waited.signal });
    } catch {
      throw new Error(`every node serving ${this.model} stayed busy for ${EMBED_TIMEOUT_MS} ms`);
    } finally {
      clearTimeout(timer);
    }
  }
}

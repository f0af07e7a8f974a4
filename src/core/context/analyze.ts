// Context items as chunks with their terms: the input of ranking and selection. An item's chunks depend
// only on its path, language and text, so they are cached by content hash: the file a conversation keeps
// attaching is parsed and tokenized once, and a file prepared ahead of a question (prepare) is not parsed
// again when the question comes. The cache holds up to CACHE_TOKENS of chunks, and always every item of the
// latest call however many: a conversation with 120 attached files keeps them all warm.

import { createHash } from 'node:crypto';
import type { ContextItem } from '../types';
import type { Bm25Doc } from './bm25';
import type { Chunker } from './chunker';
import type { ChunkKind } from './chunkTypes';
import { termDoc } from './codeTokens';
import { estimateTokens } from '../providers/tokens';
import type { Pause } from '../slices';

export interface Chunk extends Bm25Doc {
  item: number;
  startLine: number;
  endLine: number;
  text: string;
  tokens: number;
  kind: ChunkKind;
  names: string[];
  /** Global index of the enclosing container's header chunk. */
  parent?: number;
  /** Global index of the footer that closes this header chunk. */
  footer?: number;
  /** The terms of the names it defines: a second, title-like field for BM25. */
  nameDoc: Bm25Doc;
  /** A header of a function split at its nested declarations. */
  splitFunction?: boolean;
}

type ItemChunk = Omit<Chunk, 'item' | 'parent' | 'footer'> & { parent?: number; footer?: number };

/** About 2x the largest context compressed (a 200k-token node window), some 25 MB of chunks and their terms. */
export const CACHE_TOKENS = 400_000;

interface Cached {
  chunks: ItemChunk[];
  tokens: number;
  /** The call that last used it: entries of the current call are never evicted. */
  call: number;
}

export class ChunkAnalyzer {
  private readonly cache = new Map<string, Cached>();
  private cachedTokens = 0;
  private call = 0;

  constructor(
    private readonly chunker: Chunker,
    private readonly cacheTokens = CACHE_TOKENS,
  ) {}

  /** Chunks the items not seen yet into the cache; returns how many that was. `pause` is awaited between items. */
  async prepare(items: readonly ContextItem[], pause?: Pause): Promise<number> {
    this.call++;
    let parsed = 0;
    for (const item of items) if ((await this.itemChunks(item, pause)).parsed) parsed++;
    return parsed;
  }

  async analyze(items: readonly ContextItem[], pause?: Pause): Promise<Chunk[]> {
    this.call++;
    const out: Chunk[] = [];
    for (const [i, item] of items.entries()) {
      await pause?.();
      const offset = out.length;
      for (const c of (await this.itemChunks(item)).chunks) {
        out.push({
          ...c,
          item: i,
          ...(c.parent !== undefined ? { parent: c.parent + offset } : {}),
          ...(c.footer !== undefined ? { footer: c.footer + offset } : {}),
        });
      }
    }
    return out;
  }

  private async itemChunks(item: ContextItem, pause?: Pause): Promise<{ chunks: ItemChunk[]; parsed: boolean }> {
    const key = createHash('sha1').update(`${item.path}\0${item.language ?? ''}\0`).update(item.text).digest('hex');
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, { ...cached, call: this.call });
      return { chunks: cached.chunks, parsed: false };
    }
    const { spans, starts } = await this.chunker.chunk(item, pause);
    const chunks: ItemChunk[] = [];
    for (const s of spans) {
      // Tokenizing a large file's chunks takes as long as parsing it: the event loop runs in between.
      await pause?.();
      const text = item.text.slice(starts[s.startLine], starts[s.endLine]);
      chunks.push({
        startLine: s.startLine,
        endLine: s.endLine,
        text,
        tokens: estimateTokens(text),
        kind: s.kind,
        names: s.names,
        ...termDoc(text),
        nameDoc: termDoc(s.names.join(' ')),
        ...(s.parent !== undefined ? { parent: s.parent } : {}),
        ...(s.splitFunction ? { splitFunction: true } : {}),
      });
    }
    chunks.forEach((c, i) => {
      if (c.kind === 'footer' && c.parent !== undefined) chunks[c.parent]!.footer = i;
    });
    const tokens = chunks.reduce((n, c) => n + c.tokens, 0);
    // Another call may have chunked the same text meanwhile.
    this.cachedTokens += tokens - (this.cache.get(key)?.tokens ?? 0);
    this.cache.delete(key);
    this.cache.set(key, { chunks, tokens, call: this.call });
    for (const [oldest, entry] of this.cache) {
      if (this.cachedTokens <= this.cacheTokens || entry.call === this.call) break;
      this.cache.delete(oldest);
      this.cachedTokens -= entry.tokens;
    }
    return { chunks, parsed: true };
  }
}

// Context items as chunks with their terms: the input of ranking and selection. An item's chunks depend
// only on its path, language and text, so they are cached by content hash: the file a conversation keeps
// attaching is parsed and tokenized once, and a file prepared ahead of a question (prepare) is not parsed
// again when the question comes.

import { createHash } from 'node:crypto';
import type { ContextItem } from '../types';
import type { Bm25Doc } from './bm25';
import type { Chunker } from './chunker';
import type { ChunkKind } from './chunkTypes';
import { termDoc } from './codeTokens';
import { estimateTokens } from '../providers/tokens';

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

const CACHE_ITEMS = 64;

export class ChunkAnalyzer {
  private readonly cache = new Map<string, ItemChunk[]>();

  constructor(private readonly chunker: Chunker) {}

  /** Chunks the items not seen yet into the cache; returns how many that was. */
  async prepare(items: readonly ContextItem[]): Promise<number> {
    let parsed = 0;
    for (const item of items) if ((await this.itemChunks(item)).parsed) parsed++;
    return parsed;
  }

  async analyze(items: readonly ContextItem[]): Promise<Chunk[]> {
    const out: Chunk[] = [];
    for (const [i, item] of items.entries()) {
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

  private async itemChunks(item: ContextItem): Promise<{ chunks: ItemChunk[]; parsed: boolean }> {
    const key = createHash('sha1').update(`${item.path}\0${item.language ?? ''}\0`).update(item.text).digest('hex');
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return { chunks: cached, parsed: false };
    }
    const { spans, starts } = await this.chunker.chunk(item);
    const chunks: ItemChunk[] = spans.map((s) => {
      const text = item.text.slice(starts[s.startLine], starts[s.endLine]);
      return {
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
      };
    });
    chunks.forEach((c, i) => {
      if (c.kind === 'footer' && c.parent !== undefined) chunks[c.parent]!.footer = i;
    });
    this.cache.set(key, chunks);
    if (this.cache.size > CACHE_ITEMS) this.cache.delete(this.cache.keys().next().value!);
    return { chunks, parsed: true };
  }
}

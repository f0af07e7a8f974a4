// Context compression: chunk the items by logical blocks, rank the chunks against the question, keep
// what fits the budget, and render the kept chunks in file order with elision markers. The extension
// (before cloud calls), the CLI (`singularity compress`) and the benchmark all call compress().
// What it returns never passes the hard limit, for any number of items, and a cold compression of 200k
// tokens runs on the host's thread in slices (slices.ts) so that no other extension waits for it.

import type { ContextItem, ContextReport } from '../types';
import type { Logger } from '../log';
import { ChunkAnalyzer, type Chunk } from './analyze';
import { GATE_ALLOWANCE } from './budget';
import { Chunker } from './chunker';
import { queryTerms as termsOfQuestion, questionIdentifiers } from './codeTokens';
import { embeddingSimilarities, type Embedder, type EmbeddingCache } from './embeddings';
import { formattedLength, itemOverheadTokens } from './format';
import { relevance } from './relevance';
import { renderKept } from './render';
import { selectChunks } from './select';
import { sharedTreeSitter, type TreeSitter } from './treeSitter';
import { slicer } from '../slices';

export interface CompressOptions {
  budgetTokens: number;
  /** What the quality gate may grow the context to; default GATE_ALLOWANCE x the budget. */
  hardLimitTokens?: number;
  /** Share of the best score under which a chunk is not sent for relevance alone. */
  threshold: number;
  embedder?: Embedder;
  /** Compress even when the context fits the budget (the benchmark measures fixed ratios this way). */
  force?: boolean;
}

export interface Compressed {
  items: ContextItem[];
  report: ContextReport;
}

export interface CompressorDeps {
  treeSitter?: TreeSitter;
  embeddingCache?: EmbeddingCache;
  log?: Logger;
  now?: () => number;
}

/** Tokens the items take in the prompt, fences and labels included. */
export function contextTokens(items: readonly ContextItem[]): number {
  // estimateTokens' 4 characters a token, on the length alone: the formatted text is never built here.
  return Math.ceil(formattedLength(items) / 4);
}

export class ContextCompressor {
  private readonly analyzer: ChunkAnalyzer;
  private readonly now: () => number;

  constructor(private readonly deps: CompressorDeps = {}) {
    this.analyzer = new ChunkAnalyzer(new Chunker(deps.treeSitter ?? sharedTreeSitter(), deps.log));
    this.now = deps.now ?? (() => performance.now());
  }

  /**
   * Parses and tokenizes the items ahead of a question (the editor calls it when the user pauses), so a
   * later compress() of the same text only ranks and selects.
   */
  async prepare(items: readonly ContextItem[]): Promise<{ parsed: number; ms: number }> {
    const started = this.now();
    const parsed = await this.analyzer.prepare(items, slicer());
    return { parsed, ms: this.now() - started };
  }

  async compress(question: string, items: readonly ContextItem[], options: CompressOptions): Promise<Compressed> {
    const started = this.now();
    const tokensBefore = contextTokens(items);
    const base = { budgetTokens: options.budgetTokens, tokensBefore, relevance: 'lexical' as ContextReport['relevance'] };
    if (tokensBefore <= options.budgetTokens && !options.force) {
      return { items: [...items], report: { ...base, compressed: false, tokensAfter: tokensBefore, coverage: 1, ms: this.now() - started, itemsParsed: 0, chunks: [], notes: [] } };
    }
    const pause = slicer();
    const itemsParsed = await this.analyzer.prepare(items, pause);
    const chunks = await this.analyzer.analyze(items, pause);
    const queryTerms = termsOfQuestion(question);
    const identifiers = questionIdentifiers(question);
    const notes: string[] = [];
    let similarities: number[] | undefined;
    if (options.embedder) {
      try {
        similarities = await embeddingSimilarities(options.embedder, this.deps.embeddingCache, question, chunks);
        base.relevance = 'lexical+embeddings';
      } catch (err) {
        notes.push(`embeddings unavailable (${(err as Error).message}): lexical relevance only`);
        this.deps.log?.warn(`Context compression: ${notes[notes.length - 1]}`);
      }
    }
    const rel = await relevance(chunks, items, queryTerms, identifiers, similarities, pause);
    await pause();
    const hardLimitTokens = options.hardLimitTokens ?? Math.floor(GATE_ALLOWANCE * options.budgetTokens);
    const selection = selectChunks({
      chunks,
      items,
      scores: rel.scores,
      ...(rel.cursorChunk !== undefined ? { cursorChunk: rel.cursorChunk } : {}),
      identifiers,
      queryTerms,
      budgetTokens: options.budgetTokens,
      threshold: options.threshold,
      hardLimitTokens,
      itemTokens: items.map(itemOverheadTokens),
    });
    await pause();
    const kept = selection.why.map((w) => w !== undefined);
    const limitNotes: string[] = [];
    const { out, tokensAfter } = withinLimit(items, chunks, kept, rel.scores, hardLimitTokens, limitNotes);
    const sent = new Set(chunks.flatMap((c, i) => (kept[i] ? [c.item] : [])));
    const leftOut = items.flatMap((item, k) => (sent.has(k) ? [] : [item.path]));
    const report: ContextReport = {
      ...base,
      compressed: true,
      tokensAfter,
      coverage: selection.coverage,
      ms: this.now() - started,
      itemsParsed,
      chunks: chunks.map((c, i) => ({
        item: c.item,
        path: items[c.item]!.path,
        startLine: c.startLine,
        endLine: c.endLine,
        tokens: c.tokens,
        score: Math.round(rel.scores[i]! * 1000) / 1000,
        kept: kept[i]!,
        ...(kept[i] && selection.why[i] ? { why: selection.why[i] } : {}),
        ...(c.names.length > 0 ? { names: c.names } : {}),
      })),
      notes: [...notes, ...selection.notes, ...limitNotes],
      ...(leftOut.length > 0 ? { leftOut } : {}),
    };
    return { items: out, report };
  }
}

/**
 * The kept chunks rendered, within `limit`: selection counts each chunk with its share of labels, fences and
 * markers, but a marker indented deeper than MARKER_TOKENS allows can still pass it; then the items whose best
 * kept chunk scores lowest are left out whole until the rest fits. `kept` is updated.
 */
function withinLimit(items: readonly ContextItem[], chunks: readonly Chunk[], kept: boolean[], scores: readonly number[], limit: number, notes: string[]): { out: ContextItem[]; tokensAfter: number } {
  for (;;) {
    const out = renderKept(items, chunks, kept);
    const tokensAfter = contextTokens(out);
    if (tokensAfter <= limit) return { out, tokensAfter };
    const bestKept = items.map(() => -Infinity);
    chunks.forEach((c, i) => {
      if (kept[i]) bestKept[c.item] = Math.max(bestKept[c.item]!, scores[i]!);
    });
    const weakest = bestKept.reduce((w, s, k) => (s > -Infinity && (w < 0 || s < bestKept[w]!) ? k : w), -1);
    chunks.forEach((c, i) => {
      if (c.item === weakest) kept[i] = false;
    });
    notes.push(`${items[weakest]!.path} left out: with its elision markers the context passed the ${limit}-token limit`);
  }
}

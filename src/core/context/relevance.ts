// How much each chunk matters to the question, from three signals:
// - lexical: BM25 of the question's code-aware terms over each chunk's text, plus over the names it
//   defines, scaled so the best chunk has 1;
// - embeddings (when available): cosine similarity to the question, scaled min..max to 0..1;
// - structure: the chunk the cursor is in, chunks defining an identifier the question names, and
//   chunks defining symbols used where the cursor is.
// Lexical and embeddings are averaged when both exist; structure adds a bonus on top.

import type { ContextItem } from '../types';
import type { Chunk } from './analyze';
import { bm25Scores } from './bm25';
import { containsIdentifier } from './codeTokens';

/** BM25 of the names a chunk defines counts this much next to BM25 of its text (a title field, as in BM25F). */
export const NAME_FIELD_WEIGHT = Number(process.env.EXP_NAMEW ?? 0.5);
export const STRUCTURE_BONUS = { cursor: 0.5, namedInQuestion: 0.5, usedAtCursor: 0.25 } as const;

export interface Relevance {
  scores: number[];
  lexical: number[];
  /** Index of the chunk holding the cursor, if any. */
  cursorChunk?: number;
}

export function relevance(chunks: readonly Chunk[], items: readonly ContextItem[], queryTerms: readonly string[], identifiers: readonly string[], similarities?: readonly number[]): Relevance {
  const names = bm25Scores(chunks.map((c) => c.nameDoc), queryTerms);
  const lexical = scaleToMax(bm25Scores(chunks, queryTerms).map((x, i) => x + NAME_FIELD_WEIGHT * names[i]!));
  const semantic = similarities ? scaleMinMax(similarities) : undefined;
  const cursorChunk = chunks.findIndex((c) => {
    const line = items[c.item]?.cursorLine;
    return line !== undefined && line >= c.startLine && line < c.endLine;
  });
  const structure = structureScores(chunks, identifiers, cursorChunk === -1 ? undefined : cursorChunk);
  const scores = chunks.map((_, i) => (semantic ? (lexical[i]! + semantic[i]!) / 2 : lexical[i]!) + structure[i]!);
  return { scores, lexical, ...(cursorChunk !== -1 ? { cursorChunk } : {}) };
}

function structureScores(chunks: readonly Chunk[], identifiers: readonly string[], cursorChunk: number | undefined): number[] {
  const named = new Set(identifiers);
  const usedAtCursor = new Set<string>();
  if (cursorChunk !== undefined) {
    const text = chunks[cursorChunk]!.text;
    for (const c of chunks) for (const n of c.names) if (!chunks[cursorChunk]!.names.includes(n) && containsIdentifier(text, n)) usedAtCursor.add(n);
  }
  return chunks.map((c, i) => {
    let bonus = i === cursorChunk ? STRUCTURE_BONUS.cursor : 0;
    if (c.names.some((n) => named.has(n))) bonus += STRUCTURE_BONUS.namedInQuestion;
    if (c.names.some((n) => usedAtCursor.has(n))) bonus += STRUCTURE_BONUS.usedAtCursor;
    return bonus;
  });
}

export function scaleToMax(xs: readonly number[]): number[] {
  const max = Math.max(0, ...xs);
  return xs.map((x) => (max > 0 ? x / max : 0));
}

function scaleMinMax(xs: readonly number[]): number[] {
  const min = Math.min(...xs);
  const range = Math.max(...xs) - min;
  return xs.map((x) => (range > 0 ? (x - min) / range : 0));
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

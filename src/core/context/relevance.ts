// How much each chunk matters to the question, from three signals:
// - lexical: BM25 of the question's code-aware terms, expanded (expand.ts), over each chunk's text, plus
//   over the names it defines, scaled so the best chunk has 1; then chunks linked by name to the best ones
//   (the helpers they call, their callers) get a share of those chunks' score;
// - embeddings (when available): cosine similarity to the question, scaled min..max to 0..1;
// - structure: the chunk the cursor is in, chunks defining an identifier the question names, and
//   chunks defining symbols used where the cursor is.
// Lexical and embeddings are averaged when both exist; structure adds a bonus on top.

import type { ContextItem } from '../types';
import type { Chunk } from './analyze';
import { bm25Scorer, DEFAULT_BM25, documentFrequencies, weightedBm25Scores } from './bm25';
import { codeTerms, containsIdentifier } from './codeTokens';
import { withFeedback, withPrefixRelatives } from './expand';
import type { Pause } from '../slices';

/** BM25 of the names a chunk defines counts this much next to BM25 of its text (a title field, as in BM25F). */
export const NAME_FIELD_WEIGHT = 1.5;
/** The best `of` chunks pass `weight` x their lexical score to the chunks they are linked to by name. */
export const NEIGHBOUR = { of: 6, weight: 0.3 } as const;
/** Names this short (`i`, `fn`) link too much to count as a use. */
const MIN_LINK_NAME = 3;
export const STRUCTURE_BONUS = { cursor: 0.5, namedInQuestion: 0.5, usedAtCursor: 0.25 } as const;

export interface Relevance {
  scores: number[];
  lexical: number[];
  /** Index of the chunk holding the cursor, if any. */
  cursorChunk?: number;
}

/** `pause` is awaited between the steps, each a pass over the chunks: compression runs on the host's thread (slices.ts). */
export async function relevance(
  chunks: readonly Chunk[],
  items: readonly ContextItem[],
  queryTerms: readonly string[],
  identifiers: readonly string[],
  similarities?: readonly number[],
  pause: Pause = async () => {},
): Promise<Relevance> {
  const lexical = withNeighbours(chunks, await lexicalScores(chunks, queryTerms, pause));
  await pause();
  const semantic = similarities ? scaleMinMax(similarities) : undefined;
  const cursorChunk = chunks.findIndex((c) => {
    const line = items[c.item]?.cursorLine;
    return line !== undefined && line >= c.startLine && line < c.endLine;
  });
  await pause();
  const structure = structureScores(chunks, identifiers, cursorChunk === -1 ? undefined : cursorChunk);
  const scores = chunks.map((_, i) => (semantic ? (lexical[i]! + semantic[i]!) / 2 : lexical[i]!) + structure[i]!);
  return { scores, lexical, ...(cursorChunk !== -1 ? { cursorChunk } : {}) };
}

async function lexicalScores(chunks: readonly Chunk[], queryTerms: readonly string[], pause: Pause): Promise<number[]> {
  const nameDocs = chunks.map((c) => c.nameDoc);
  const df = documentFrequencies(chunks);
  await pause();
  const bm25f = async (query: ReadonlyMap<string, number>) => {
    const names = weightedBm25Scores(nameDocs, query);
    await pause();
    const score = bm25Scorer(chunks, query, DEFAULT_BM25, df);
    const text: number[] = [];
    for (const c of chunks) {
      text.push(score(c));
      if (text.length % 256 === 0) await pause();
    }
    return scaleToMax(text.map((x, i) => x + NAME_FIELD_WEIGHT * names[i]!));
  };
  const query = withPrefixRelatives(queryTerms, df.keys());
  await pause();
  const first = await bm25f(query);
  return bm25f(withFeedback(query, chunks, first, df));
}

/** Adds to each chunk the largest share of a top chunk's score among the top chunks it defines a name for or uses a name of. */
export function withNeighbours(chunks: readonly Chunk[], lexical: readonly number[]): number[] {
  const top = lexical.map((_, i) => i).filter((i) => lexical[i]! > 0).sort((a, b) => lexical[b]! - lexical[a]!).slice(0, NEIGHBOUR.of);
  if (top.length === 0) return [...lexical];
  // Each name with the term it must bring (the whole identifier, or the stem of a one-part name): a chunk
  // without that term cannot use the name, so its text is searched only when it has it.
  const links = chunks.map((c) => c.names.filter((n) => n.length >= MIN_LINK_NAME).map((name) => ({ name, term: codeTerms(name)[0] ?? '' })));
  const uses = (c: Chunk, l: { name: string; term: string }) => c.tf.has(l.term) && containsIdentifier(c.text, l.name);
  const bonus = chunks.map(() => 0);
  for (const t of top) {
    const share = NEIGHBOUR.weight * lexical[t]!;
    chunks.forEach((c, j) => {
      if (j === t || bonus[j]! >= share) return;
      if (links[j]!.some((l) => uses(chunks[t]!, l)) || links[t]!.some((l) => uses(c, l))) bonus[j] = share;
    });
  }
  return lexical.map((x, i) => x + bonus[i]!);
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

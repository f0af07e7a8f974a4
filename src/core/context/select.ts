// Which chunks are sent: a pure decision over ranked chunks. What is sent never passes `hardLimitTokens`,
// for any number of items: every chunk is counted with what keeping it adds to the prompt (its item's label
// and fence when it is the item's first, the elision markers around it, the headers of its containers), and
// a chunk that does not fit is not kept. An item none of whose chunks fit is left out whole.
// 1. First, within the hard limit: selections and pinned chunks (whole), the chunk the cursor is in, and for
//    every identifier the question names that occurs in the context, a chunk with it (its definition when
//    there is one).
// 2. Then, within the budget, the best-scoring chunk, and by value per token (score / cost^COST_EXPONENT, best
//    first: at equal score a small chunk leaves room for others), every chunk that scores at least
//    `threshold` x the best score.
//    A part of a split function brings the whole function when it is at most WHOLE_FUNCTION_TOKENS and fits.
// 3. An attached file (an @mention, a file given to the CLI) keeps at least its best chunk when it fits the
//    budget: with many files, those that do not fit are left out whole (the report names them).
// 4. Quality gate: if the kept chunks contain less than MIN_COVERAGE of the question's terms (weighted by
//    idf, over the terms the context contains at all), the best chunk for each missing term is added,
//    most specific term first, past the budget if need be (up to hardLimit).
// A kept chunk brings the headers and footers of its containers along (the model sees `class X {` ... `}`).

import type { ContextItem, KeepReason } from '../types';
import type { Chunk } from './analyze';
import { idf } from './bm25';
import { WHOLE_FUNCTION_TOKENS } from './chunkTypes';
import { containsIdentifier } from './codeTokens';

export const MIN_COVERAGE = 0.8;
/** How much a chunk's size lowers its rank: 0 ranks by score alone, 1 by score per token. */
export const COST_EXPONENT = 0.3;
/** Tokens of one elision marker line, counted for a kept chunk whose neighbours are dropped. */
export const MARKER_TOKENS = 8;

export interface SelectionInput {
  chunks: readonly Chunk[];
  items: readonly ContextItem[];
  scores: readonly number[];
  cursorChunk?: number;
  identifiers: readonly string[];
  queryTerms: readonly string[];
  budgetTokens: number;
  /** Relative score (share of the best) below which a chunk is not sent for relevance alone. */
  threshold: number;
  /** What nothing sent may pass: the quality gate and what must be kept (step 1) may grow to it. */
  hardLimitTokens: number;
  /** Tokens each item's label and fence add once any of its chunks is kept (format.ts); none when not given. */
  itemTokens?: readonly number[];
}

export interface Selection {
  why: (KeepReason | undefined)[];
  usedTokens: number;
  coverage: number;
  notes: string[];
}

/** An item the user attached on purpose: a selection, a pin, an @mention (or a file named to the CLI). */
export function isExplicit(item: ContextItem): boolean {
  return item.kind === 'selection' || item.origin === undefined || item.origin === 'mention' || item.origin === 'pin';
}

export function selectChunks(input: SelectionInput): Selection {
  const { chunks, items, scores } = input;
  const why: (KeepReason | undefined)[] = chunks.map(() => undefined);
  const notes: string[] = [];
  const byItem: number[][] = items.map(() => []);
  chunks.forEach((c, i) => byItem[c.item]!.push(i));
  const keptOf = items.map(() => 0);
  let used = 0;

  const isKept = (i: number | undefined) => i !== undefined && why[i] !== undefined;
  const sameItem = (i: number, j: number) => chunks[j]?.item === chunks[i]!.item;
  const cost = (i: number): number => {
    const item = chunks[i]!.item;
    let n = chunks[i]!.tokens;
    const before = sameItem(i, i - 1);
    const after = sameItem(i, i + 1);
    // An item's first kept chunk brings its label and fence, and a marker for each dropped run beside it.
    // Later ones add a marker only where they split a dropped run in two.
    if (keptOf[item] === 0) n += (input.itemTokens?.[item] ?? 0) + ((before ? 1 : 0) + (after ? 1 : 0)) * MARKER_TOKENS;
    else if (before && !isKept(i - 1) && after && !isKept(i + 1)) n += MARKER_TOKENS;
    for (let p = chunks[i]!.parent; p !== undefined; p = chunks[p]!.parent) {
      if (!isKept(p)) n += chunks[p]!.tokens;
      const f = chunks[p]!.footer;
      if (f !== undefined && !isKept(f)) n += chunks[f]!.tokens;
    }
    return n;
  };
  const mark = (i: number, reason: KeepReason): void => {
    if (why[i] !== undefined) return;
    why[i] = reason;
    keptOf[chunks[i]!.item]!++;
  };
  /** Keeps chunk i (and its containers) when that fits `limit`; false when it does not. */
  const keep = (i: number, reason: KeepReason, limit: number): boolean => {
    if (isKept(i)) return true;
    const n = cost(i);
    if (used + n > limit) return false;
    used += n;
    mark(i, reason);
    for (let p = chunks[i]!.parent; p !== undefined; p = chunks[p]!.parent) {
      mark(p, 'structure');
      const f = chunks[p]!.footer;
      if (f !== undefined) mark(f, 'structure');
    }
    return true;
  };
  const best = (candidates: number[]) => candidates.sort((a, b) => scores[b]! - scores[a]! || a - b)[0];

  const refused = new Set<number>();
  const keepRequired = (i: number, reason: KeepReason) => {
    if (!keep(i, reason, input.hardLimitTokens)) refused.add(chunks[i]!.item);
  };
  chunks.forEach((c, i) => {
    const item = items[c.item]!;
    if (item.kind === 'selection') keepRequired(i, item.origin === 'pin' ? 'pinned' : 'attached');
    else if (item.pinnedLines?.some(([a, b]) => c.startLine < b && a < c.endLine)) keepRequired(i, 'pinned');
  });
  if (input.cursorChunk !== undefined) keepRequired(input.cursorChunk, 'cursor');
  for (const id of input.identifiers) {
    const withIt = chunks.flatMap((c, i) => (containsIdentifier(c.text, id) ? [i] : []));
    if (withIt.length === 0 || withIt.some(isKept)) continue;
    const defining = withIt.filter((i) => chunks[i]!.names.includes(id));
    keepRequired(best(defining.length > 0 ? defining : withIt)!, 'identifier');
  }
  if (used > input.budgetTokens) notes.push(`attached, pinned and named code alone is ${used} tokens, over the ${input.budgetTokens}-token budget`);
  if (refused.size > 0) notes.push(`selected, pinned and named code past the ${input.hardLimitTokens}-token limit was not sent: parts of ${[...refused].map((k) => items[k]!.path).join(', ')}`);

  const top = Math.max(0, ...scores);
  const ranked = chunks.map((_, i) => i).filter((i) => scores[i]! > 0 && scores[i]! >= input.threshold * top);
  const value = (i: number) => scores[i]! / (chunks[i]!.tokens + MARKER_TOKENS) ** COST_EXPONENT;
  // The best-scoring chunk goes first: by value per token, small chunks could fill the budget before the
  // one the question is most about (often a long function) is reached.
  ranked.sort((a, b) => value(b) - value(a) || a - b);
  const leader = [...ranked].sort((a, b) => scores[b]! - scores[a]!)[0];
  for (const i of leader === undefined ? ranked : [leader, ...ranked]) {
    if (isKept(i) || used + cost(i) > input.budgetTokens) continue;
    const whole = wholeFunction(chunks, i)?.filter((j) => !isKept(j));
    if (whole && used + whole.reduce((n, j) => n + chunks[j]!.tokens, 0) <= input.budgetTokens) {
      // Kept in order, so each part after the first is counted beside a kept neighbour.
      for (const j of whole) keep(j, 'relevant', input.budgetTokens);
    } else keep(i, 'relevant', input.budgetTokens);
  }

  const unsent: string[] = [];
  items.forEach((item, k) => {
    const own = byItem[k]!;
    if (!isExplicit(item) || own.length === 0 || keptOf[k]! > 0) return;
    if (!keep(best([...own])!, 'attached', input.budgetTokens)) unsent.push(item.path);
  });
  if (unsent.length > 0) notes.push(`${unsent.length} attached file${unsent.length === 1 ? '' : 's'} left out whole: not even the best part fits the ${input.budgetTokens}-token budget`);

  const weights = idf(chunks, input.queryTerms);
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const coverageNow = () => {
    if (total === 0) return 1;
    let covered = 0;
    for (const [t, w] of weights) if (chunks.some((c, i) => isKept(i) && c.tf.has(t))) covered += w;
    return covered / total;
  };
  let coverage = coverageNow();
  if (coverage < MIN_COVERAGE) {
    const before = coverage;
    const missing = [...weights.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    for (const t of missing) {
      if (coverage >= MIN_COVERAGE) break;
      if (chunks.some((c, i) => isKept(i) && c.tf.has(t))) continue;
      const i = best(chunks.flatMap((c, j) => (c.tf.has(t) ? [j] : [])));
      if (i === undefined || !keep(i, 'coverage', input.hardLimitTokens)) continue;
      coverage = coverageNow();
    }
    notes.push(`relevance coverage was ${pct(before)} (under ${pct(MIN_COVERAGE)}): sent more, now ${pct(coverage)}`);
  }
  return { why, usedTokens: used, coverage, notes };
}

/** The chunks (header to footer) of the outermost split function holding chunk i, if it is at most WHOLE_FUNCTION_TOKENS. */
export function wholeFunction(chunks: readonly Chunk[], i: number): number[] | undefined {
  let found: number[] | undefined;
  for (let h: number | undefined = i; h !== undefined; h = chunks[h]!.parent) {
    const footer = chunks[h]!.footer;
    if (!chunks[h]!.splitFunction || footer === undefined) continue;
    const all = Array.from({ length: footer - h + 1 }, (_, k) => h! + k);
    found = all.reduce((n, j) => n + chunks[j]!.tokens, 0) <= WHOLE_FUNCTION_TOKENS ? all : undefined;
  }
  return found;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

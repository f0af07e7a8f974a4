// Query expansion for lexical relevance, both without a model:
// - sub-word relatives: a question term that is a prefix of a context term, or the reverse, also matches it
//   ("string" meets `stringify`, "config" meets `configuration`), which Porter stemming alone does not do;
// - pseudo-relevance feedback (RM3 style): the most telling terms of the best-ranked chunks join the
//   question, so that a chunk sharing the vocabulary of the best matches, not only the question's words, ranks up.
// Added terms weigh less than the question's own.

import { idf, type Bm25Doc } from './bm25';

/** Weight of a context term related to a question term by prefix. */
export const PREFIX_WEIGHT = 0.3;
/** Shortest term (characters) that takes part in prefix matching: shorter ones prefix too many words. */
export const MIN_PREFIX_CHARS = 4;
export const FEEDBACK = { chunks: 3, terms: 10, weight: 0.1 } as const;

/** The question's terms (weight 1) plus the context's terms (its vocabulary) related to one of them by prefix. */
export function withPrefixRelatives(queryTerms: readonly string[], vocabulary: Iterable<string>): Map<string, number> {
  const query = new Map(queryTerms.map((t) => [t, 1]));
  const stems = queryTerms.filter((q) => q.length >= MIN_PREFIX_CHARS);
  if (stems.length === 0) return query;
  for (const t of vocabulary) {
    if (!query.has(t) && t.length >= MIN_PREFIX_CHARS && stems.some((q) => t.startsWith(q) || q.startsWith(t))) query.set(t, PREFIX_WEIGHT);
  }
  return query;
}

/**
 * The query plus the FEEDBACK.terms terms that best characterize the top chunks: each term's share of a
 * chunk's length times its idf, weighted by the chunk's score.
 */
export function withFeedback(query: ReadonlyMap<string, number>, docs: readonly Bm25Doc[], scores: readonly number[], df?: ReadonlyMap<string, number>): Map<string, number> {
  const top = scores.map((_, i) => i).filter((i) => scores[i]! > 0).sort((a, b) => scores[b]! - scores[a]!).slice(0, FEEDBACK.chunks);
  const candidates = new Set<string>();
  for (const i of top) for (const t of docs[i]!.tf.keys()) if (!query.has(t)) candidates.add(t);
  const weights = idf(docs, candidates, df);
  const value = new Map<string, number>();
  for (const i of top) {
    const d = docs[i]!;
    for (const [t, f] of d.tf) if (candidates.has(t)) value.set(t, (value.get(t) ?? 0) + (f / d.length) * weights.get(t)! * scores[i]!);
  }
  const out = new Map(query);
  for (const [t] of [...value].sort((a, b) => b[1] - a[1]).slice(0, FEEDBACK.terms)) out.set(t, FEEDBACK.weight);
  return out;
}

// Okapi BM25 over pre-tokenized documents. Written here because the npm BM25 packages either match
// substrings instead of terms (okapibm25) or bring an NLP pipeline and model with them (wink-bm25-text-search),
// while the formula is a few lines: score(d) = sum over query terms t of
// idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl)), idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)).

export interface Bm25Doc {
  tf: ReadonlyMap<string, number>;
  /** Number of terms in the document. */
  length: number;
}

export interface Bm25Params {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** How many documents hold each term: counted once, it makes the idf of many terms cheap. */
export function documentFrequencies(docs: readonly Bm25Doc[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

/** Inverse document frequency of each term over the documents (terms found in none are left out). */
export function idf(docs: readonly Bm25Doc[], terms: Iterable<string>, df?: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of new Set(terms)) {
    let n = 0;
    if (df) n = df.get(t) ?? 0;
    else for (const d of docs) if (d.tf.has(t)) n++;
    if (n > 0) out.set(t, Math.log(1 + (docs.length - n + 0.5) / (n + 0.5)));
  }
  return out;
}

/** BM25 score of every document for the query terms (each distinct term counts once). */
export function bm25Scores(docs: readonly Bm25Doc[], queryTerms: Iterable<string>, params: Bm25Params = DEFAULT_BM25): number[] {
  return weightedBm25Scores(docs, new Map([...queryTerms].map((t) => [t, 1])), params);
}

/** BM25 with a weight per query term (an expanded query counts its added terms less than the question's own). */
export function weightedBm25Scores(docs: readonly Bm25Doc[], query: ReadonlyMap<string, number>, params: Bm25Params = DEFAULT_BM25, df?: ReadonlyMap<string, number>): number[] {
  if (docs.length === 0) return [];
  return docs.map(bm25Scorer(docs, query, params, df));
}

/** The score of one document among `docs` (idf and average length over all of them): for scoring in slices. */
export function bm25Scorer(docs: readonly Bm25Doc[], query: ReadonlyMap<string, number>, params: Bm25Params = DEFAULT_BM25, df?: ReadonlyMap<string, number>): (d: Bm25Doc) => number {
  const weights = idf(docs, query.keys(), df);
  for (const [t, w] of weights) weights.set(t, w * query.get(t)!);
  const avgdl = docs.reduce((n, d) => n + d.length, 0) / docs.length || 1;
  return (d) => {
    let score = 0;
    const norm = params.k1 * (1 - params.b + (params.b * d.length) / avgdl);
    for (const [t, w] of weights) {
      const f = d.tf.get(t);
      if (f) score += (w * f * (params.k1 + 1)) / (f + norm);
    }
    return score;
  };
}

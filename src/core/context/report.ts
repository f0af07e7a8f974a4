// What compression did to one request's context: shown under the answer in the panel, recorded for the
// dashboard (tokens before/after), printed by `singularity compress`.

export type KeepReason = 'attached' | 'pinned' | 'cursor' | 'identifier' | 'relevant' | 'coverage' | 'structure';

export interface ChunkInfo {
  /** Index of the context item the chunk belongs to. */
  item: number;
  path: string;
  /** Lines [startLine, endLine), 0-based. */
  startLine: number;
  endLine: number;
  tokens: number;
  /** Combined relevance, 0..~1.5 (lexical and embeddings 0..1, plus structure). */
  score: number;
  kept: boolean;
  why?: KeepReason;
  /** Symbols the chunk defines. */
  names?: string[];
}

export interface ContextReport {
  /** False when the whole context fit the budget and was sent as it is. */
  compressed: boolean;
  budgetTokens: number;
  tokensBefore: number;
  tokensAfter: number;
  relevance: 'lexical' | 'lexical+embeddings';
  /** Share (by weight) of the question's terms found in the context that the kept chunks still contain. */
  coverage: number;
  ms: number;
  /** Context items chunked during this compression: 0 when every file was parsed ahead or for an earlier question. */
  itemsParsed: number;
  /** Every chunk in file order; empty when not compressed. */
  chunks: ChunkInfo[];
  /** Why more than the budget was sent, embeddings unavailable, and the like. */
  notes: string[];
}

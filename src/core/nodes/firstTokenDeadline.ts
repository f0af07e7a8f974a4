// How long a node attempt may go without a first token before the request moves on. The long limit
// (dispatch.ts FIRST_TOKEN_TIMEOUT_MS) leaves room for Ollama loading a model, which streams nothing; but
// when the model is already loaded and another node could answer, a node that stays silent far longer
// than it usually takes is hung, and waiting out the long limit costs the user minutes for nothing.

/** What the pool knows about the chosen node when the attempt starts. */
export interface FirstTokenFacts {
  /** The node's measured time to first token (EWMA), undefined before its first answer. */
  ttftMs?: number;
  /** The model is in the node's memory (/api/ps, or it just served it): no load to wait for. */
  loaded: boolean;
  /** Another eligible node (healthy, has the model, not yet tried) could take the request. */
  alternative: boolean;
  /** The prompt's size: reading a long prompt delays the first token even on a loaded model. */
  promptTokens: number;
}

/** Silence this many times the node's usual first-token time means hung, not slow. */
export const HUNG_TTFT_FACTOR = 5;
/** Never fail over sooner than this: timing jitter on a busy machine, a short GC pause. */
export const MIN_FAILOVER_MS = 3_000;
/** A node with no measured answer yet is assumed this slow to first token. */
export const UNMEASURED_TTFT_MS = 2_000;
/** Prompt reading allowed per prompt token (200 tokens/s, a slow CPU node). */
export const PROMPT_MS_PER_TOKEN = 5;

/**
 * The first-token deadline in ms for one node attempt. A cold model or a node with no alternative keeps
 * the long limit: loading takes what it takes, and failing over to nothing helps no one. A thinking
 * model's reasoning counts as its first token, so long thinking is never cut by this.
 */
export function firstTokenDeadlineMs(facts: FirstTokenFacts, longMs: number): number {
  if (!facts.loaded || !facts.alternative) return longMs;
  const usual = facts.ttftMs !== undefined && Number.isFinite(facts.ttftMs) && facts.ttftMs >= 0 ? facts.ttftMs : UNMEASURED_TTFT_MS;
  const deadline = Math.max(MIN_FAILOVER_MS, HUNG_TTFT_FACTOR * usual) + Math.max(0, facts.promptTokens) * PROMPT_MS_PER_TOKEN;
  return Math.min(longMs, Math.round(deadline));
}

import type { Tier } from '../types';

export type StrategyName = 'round-robin' | 'least-outstanding' | 'performance-weighted';

/** What a strategy knows about one node that can serve the request (has the model, breaker closed). */
export interface Candidate {
  name: string;
  tier: Tier;
  /** Requests running on the node plus those queued for it. */
  outstanding: number;
  maxParallel: number;
  /** The model is already in memory (/api/ps): no cold load. */
  loaded: boolean;
  /** EWMA of measured time to first token; undefined until the node has served a request. */
  ttftMs?: number;
  /** EWMA of measured generation speed. */
  tokensPerSecond?: number;
}

export interface BalanceRequest {
  /** Expected answer length, used to weigh generation speed against queueing. */
  expectedOutputTokens: number;
}

/** A load-balancing strategy: a pure choice among candidates (randomness injected for tests). */
export interface Strategy {
  readonly name: StrategyName;
  pick(candidates: readonly Candidate[], request: BalanceRequest, random: () => number): Candidate;
}

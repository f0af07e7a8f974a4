// Load-balancing strategies for the node pool: pure choices among the nodes that can serve a request.
// The pool decides who is eligible (up, breaker closed, has the model); a strategy only decides who
// among them gets the request. Randomness is injected so tests and benchmarks are reproducible.

import type { BalancerStrategyName, Tier } from '../types';

export type StrategyName = BalancerStrategyName;

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

export const DEFAULT_STRATEGY: StrategyName = 'performance-weighted';
export const STRATEGY_NAMES: readonly StrategyName[] = ['performance-weighted', 'least-outstanding', 'round-robin'];

/** For settings and CLI flags, which arrive untyped. */
export function isStrategyName(s: unknown): s is StrategyName {
  return typeof s === 'string' && (STRATEGY_NAMES as readonly string[]).includes(s);
}

/** Assumed for a node that has not answered yet: a modest CPU-class node, so measured nodes win when they are faster. */
export const PRIORS = { ttftMs: 800, tokensPerSecond: 20 } as const;
/** Loading a small model into memory takes seconds; a node that already has it loaded skips that. */
export const COLD_LOAD_PENALTY_MS = 3000;

/** Calling a strategy with nobody to choose from is the pool's bug, not a situation to guess through. */
function requireCandidates(candidates: readonly Candidate[]): void {
  if (candidates.length === 0) throw new Error('Balancer: no candidates to choose from');
}

/** Slots on the node; config guarantees >= 1, but a 0 must not divide by zero or make a node look infinitely free. */
function slotsOf(c: Candidate): number {
  return Math.max(1, Math.floor(c.maxParallel));
}

/** Fraction of the node's slots in use (above 1 when requests queue). */
function loadRatio(c: Candidate): number {
  return Math.max(0, c.outstanding) / slotsOf(c);
}

/**
 * Expected milliseconds until this request would be fully answered on the node:
 *
 *   queueing wait + time to first token + generation + cold-load penalty
 *
 * - service time of one request = ttft + expectedOutputTokens / tps * 1000 (from the node's EWMAs,
 *   or PRIORS until it has answered; a non-positive measured speed is treated as unknown).
 * - queueing: `outstanding` requests already hold or wait for the `maxParallel` slots. With a free
 *   slot we start at once; otherwise we wait ceil((outstanding + 1 - maxParallel) / maxParallel) full
 *   "rounds", each one service time (slots are assumed to free up together, and the requests ahead
 *   are assumed as long as ours: a deliberately simple, slightly pessimistic estimate, applied the
 *   same way to every node so the comparison stays fair).
 * - parallel requests on one node share its GPU. We do not scale speed by the number running: `tps`
 *   is the per-request speed *measured* under whatever concurrency the node had, so a node that is
 *   usually busy is already measured slower. (Consequence: an idle node measured while busy looks a
 *   little slower than it is, and vice versa, until the EWMA catches up.)
 * - a cold model (not in memory) costs COLD_LOAD_PENALTY_MS once.
 */
export function expectedCompletionMs(c: Candidate, request: BalanceRequest): number {
  const ttft = c.ttftMs !== undefined && Number.isFinite(c.ttftMs) && c.ttftMs >= 0 ? c.ttftMs : PRIORS.ttftMs;
  const tps = c.tokensPerSecond !== undefined && Number.isFinite(c.tokensPerSecond) && c.tokensPerSecond > 0 ? c.tokensPerSecond : PRIORS.tokensPerSecond;
  const service = ttft + (Math.max(0, request.expectedOutputTokens) / tps) * 1000;
  const slots = slotsOf(c);
  const outstanding = Math.max(0, c.outstanding);
  const roundsAhead = outstanding < slots ? 0 : Math.ceil((outstanding + 1 - slots) / slots);
  return roundsAhead * service + service + (c.loaded ? 0 : COLD_LOAD_PENALTY_MS);
}

/**
 * Takes turns in the given order. Fair even when the candidate list changes between requests (a node
 * excluded on retry, a node without the model): it picks the candidate that was picked least recently,
 * so a plain `counter % length` cannot keep skipping the same node. With a stable list this is exactly
 * A, B, C, A, B, C…; a node seen for the first time goes next.
 */
export function roundRobin(): Strategy {
  const lastTurn = new Map<string, number>();
  let turn = 0;
  return {
    name: 'round-robin',
    pick(candidates) {
      requireCandidates(candidates);
      let best = candidates[0]!;
      let bestTurn = lastTurn.get(best.name) ?? -1;
      for (const c of candidates) {
        const t = lastTurn.get(c.name) ?? -1;
        if (t < bestTurn) {
          best = c;
          bestTurn = t;
        }
      }
      lastTurn.set(best.name, turn++);
      return best;
    },
  };
}

/** The lowest-scoring items' pick, uniformly at random among ties. */
function argmin<T>(items: readonly T[], score: (t: T) => number, random: () => number): T {
  let best: T[] = [];
  let bestScore = Infinity;
  for (const item of items) {
    const s = score(item);
    if (s < bestScore) {
      best = [item];
      bestScore = s;
    } else if (s === bestScore) best.push(item);
  }
  return best[Math.min(best.length - 1, Math.floor(random() * best.length))]!;
}

/**
 * The node with the smallest share of its slots in use (outstanding / maxParallel), so a 4-slot node
 * takes twice the requests of a 2-slot one. Ignores speed; ties are broken at random so equal nodes
 * share the work.
 */
export function leastOutstanding(): Strategy {
  return {
    name: 'least-outstanding',
    pick(candidates, _request, random) {
      requireCandidates(candidates);
      return argmin(candidates, loadRatio, random);
    },
  };
}

/**
 * The default: power of two choices over expected completion time. Two *distinct* candidates are drawn
 * at random, weighted by throughput (see drawWeighted), and the one expected to finish first wins. Always taking the global best would
 * herd: the stats and load counts a burst of requests sees are the same stale numbers, so every request
 * would pile onto one node. Sampling two keeps most of the benefit (the best node wins whenever drawn)
 * while spreading bursts; with 3+ candidates the single worst node is never chosen.
 * Ties on expected time go to the less loaded node, then to a coin flip.
 *
 * A node nobody has measured yet is tried first while it has a free slot: against a measured node its
 * pessimistic priors (and a cold-load charge) would always lose, and a fast node would never get the
 * chance to show it (seen in test/integration/pool.test.ts before this rule).
 */
export function performanceWeighted(): Strategy {
  return {
    name: 'performance-weighted',
    pick(candidates, request, random) {
      requireCandidates(candidates);
      if (candidates.length === 1) return candidates[0]!;
      const unmeasured = candidates.filter((c) => c.ttftMs === undefined && c.outstanding < c.maxParallel);
      if (unmeasured.length === 1) return unmeasured[0]!;
      if (unmeasured.length > 1) return unmeasured[Math.min(unmeasured.length - 1, Math.floor(random() * unmeasured.length))]!;
      let a: Candidate;
      let b: Candidate;
      if (candidates.length === 2) {
        [a, b] = [candidates[0]!, candidates[1]!];
      } else {
        const i = drawWeighted(candidates, random);
        const rest = candidates.filter((_, k) => k !== i);
        [a, b] = [candidates[i]!, rest[drawWeighted(rest, random)]!];
      }
      const ea = expectedCompletionMs(a, request);
      const eb = expectedCompletionMs(b, request);
      if (ea !== eb) return ea < eb ? a : b;
      const la = loadRatio(a);
      const lb = loadRatio(b);
      if (la !== lb) return la < lb ? a : b;
      return random() < 0.5 ? a : b;
    },
  };
}

/**
 * Draws an index with probability proportional to the node's throughput (slots x tokens/s): a node that
 * can do four times the work is sampled about four times as often, so under load each node's share of
 * the requests follows its capacity instead of the uniform share plain two-choices would give it.
 */
function drawWeighted(candidates: readonly Candidate[], random: () => number): number {
  const weights = candidates.map((c) => c.maxParallel * (c.tokensPerSecond ?? PRIORS.tokensPerSecond));
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < weights.length; k++) {
    r -= weights[k]!;
    if (r < 0) return k;
  }
  return weights.length - 1;
}

/** A fresh strategy (round-robin keeps its own turn state, so each pool gets its own). */
export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'round-robin':
      return roundRobin();
    case 'least-outstanding':
      return leastOutstanding();
    case 'performance-weighted':
      return performanceWeighted();
  }
}

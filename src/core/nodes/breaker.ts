// A circuit breaker per node, as plain data and pure transitions (cooldowns as data, like LiteLLM's
// router), so the pool can store it in a Map, show it on the dashboard and tests need no clock:
//
//   closed --(failureThreshold consecutive failures)--> open for cooldownMs
//   open   --(cooldown over: `trial`)-----------------> halfOpen: one trial request or probe
//   halfOpen --(success)--> closed
//   halfOpen --(failure)--> open again, cooldown doubled (capped at maxCooldownMs)
//
// Why: a dead or overloaded node should stop receiving requests for a while instead of making every
// user wait for a timeout; doubling keeps a node that stays broken from being retried every 30 s.

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** First cooldown. */
  cooldownMs: number;
  /** Cap for the doubling cooldown. */
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = { failureThreshold: 3, cooldownMs: 30_000, maxCooldownMs: 300_000 };

export type BreakerState =
  | { kind: 'closed'; consecutiveFailures: number }
  /** `opens`: how many times in a row it opened without a success in between (the cooldown doubles each time). */
  | { kind: 'open'; until: number; opens: number }
  /** One trial request or probe is running; its outcome decides. */
  | { kind: 'halfOpen'; opens: number };

export const CLOSED: BreakerState = Object.freeze({ kind: 'closed', consecutiveFailures: 0 });

/** Cooldown for the n-th opening in a row: cooldownMs, doubled per earlier opening, at most maxCooldownMs. */
export function cooldownFor(opens: number, policy: BreakerPolicy): number {
  return Math.min(policy.cooldownMs * 2 ** Math.max(0, opens - 1), Math.max(policy.cooldownMs, policy.maxCooldownMs));
}

/**
 * May a request go to the node? Closed: yes. Open: only once the cooldown is over, and then the caller
 * moves it to halfOpen with `trial` so that only one request tests the node. HalfOpen: no, the trial
 * is already running.
 */
export function allows(state: BreakerState, now: number): boolean {
  if (state.kind === 'closed') return true;
  return state.kind === 'open' && now >= state.until;
}

/** Start the trial: an open breaker whose cooldown is over becomes halfOpen; anything else is unchanged. */
export function trial(state: BreakerState, now: number): BreakerState {
  return state.kind === 'open' && now >= state.until ? { kind: 'halfOpen', opens: state.opens } : state;
}

/** Any success shows the node is answering: back to closed with a clean count. */
export function succeeded(_state: BreakerState): BreakerState {
  return CLOSED;
}

/**
 * Records a node failure.
 * - closed: counts it; at the threshold the breaker opens for cooldownMs.
 * - halfOpen: the trial failed, so it opens again with the cooldown doubled (capped).
 * - open: unchanged. This is a request that was already running when the breaker opened; it is not
 *   news, and must not lengthen the cooldown.
 */
export function failed(state: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  switch (state.kind) {
    case 'closed': {
      const consecutiveFailures = state.consecutiveFailures + 1;
      if (consecutiveFailures < Math.max(1, policy.failureThreshold)) return { kind: 'closed', consecutiveFailures };
      return { kind: 'open', until: now + cooldownFor(1, policy), opens: 1 };
    }
    case 'halfOpen': {
      const opens = state.opens + 1;
      return { kind: 'open', until: now + cooldownFor(opens, policy), opens };
    }
    case 'open':
      return state;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line for the status bar and dashboard, e.g. "cooling down for 24 s after repeated failures". */
export function describe(state: BreakerState, now: number): string {
  switch (state.kind) {
    case 'closed':
      return state.consecutiveFailures === 0 ? 'healthy' : `${plural(state.consecutiveFailures, 'recent failure')}`;
    case 'open': {
      if (now >= state.until) return 'cooldown over, waiting for a trial request';
      const wait = `cooling down for ${Math.ceil((state.until - now) / 1000)} s`;
      return state.opens === 1 ? `${wait} after repeated failures` : `${wait}; still failing after ${plural(state.opens - 1, 'cooldown')}`;
    }
    case 'halfOpen':
      return 'trying again after cooldown';
  }
}

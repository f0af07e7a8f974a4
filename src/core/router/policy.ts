// Turns a p_cloud into a route, holding the cloud share the user chose from the first request, whatever the
// scale of p_cloud. A fixed threshold calibrated on other data cannot do it: a model whose p_cloud runs high on this user's
// questions (or a heuristic with no calibration at all) sends nearly everything to the cloud. Instead each
// request is ranked among the user's own recent predictions (a uniform prior stands in while there are
// few), and the top `share` of ranks go to the cloud. Ranking alone holds the share on average; a running
// error (target minus actual, the sigma-delta idea) bounds it over every window: the rank's choice is taken
// unless it would push the error out of [-SLACK, SLACK], and then the other route is. With |error| ≤ SLACK,
// any n consecutive decisions hold share·n ± 2·SLACK cloud answers: ±1.8 of 20, under the ±10 points asked.

import type { ModelInfo } from '../../shared/router';

export type RouterPolicy = { mode: 'cloudShare'; cloudShare: number } | { mode: 'quality'; quality: number };

/** The cloud share a policy aims at: the setting, or for a quality target the smallest share whose validated PGR reaches it. */
export function targetShare(policy: RouterPolicy, calibration: ModelInfo['calibration']): number {
  if (policy.mode === 'cloudShare') return clamp01(policy.cloudShare);
  const pgr = calibration?.pgr;
  if (!calibration || !pgr) return 0.5;
  const i = pgr.findIndex((p) => p >= policy.quality);
  return i < 0 ? 1 : calibration.shares[i]!;
}

/** How far the cumulative cloud count may run ahead of or behind the target (requests). */
export const SHARE_SLACK = 0.9;

/** Pseudo-observations the prior is worth at the cold start; it fades as the user's own predictions come. */
export const PRIOR_WEIGHT = 20;

/**
 * The rank of `p` in [0, 1] among the user's recent predictions. While they are few, a uniform prior stands in
 * (a p_cloud of 0.8 ranks about 0.8): with no data yet, the score's own scale is the best guess.
 */
export function rankOf(p: number, recent: readonly number[]): number {
  const n = recent.length;
  let below = 0;
  for (const q of recent) below += q < p ? 1 : q === p ? 0.5 : 0;
  const w = (PRIOR_WEIGHT * PRIOR_WEIGHT) / (PRIOR_WEIGHT + n);
  return (below + w * clamp01(p)) / (n + w);
}

/** The p_cloud at which rankOf crosses 1 - share: the threshold the decision behaves like, for display. */
export function equivalentThreshold(share: number, recent: readonly number[]): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (rankOf(mid, recent) < 1 - share) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface ShareDecision {
  route: 'nodes' | 'cloud';
  /** The error after this decision: target cloud count minus actual, so far. */
  error: number;
  /** The rank's own choice was overruled to hold the share. */
  held: boolean;
}

/** Whether `route` keeps the running error within the slack. */
function keeps(route: 'nodes' | 'cloud', share: number, error: number): boolean {
  const next = error + share - (route === 'cloud' ? 1 : 0);
  return next >= -SHARE_SLACK - 1e-9 && next <= SHARE_SLACK + 1e-9;
}

/**
 * The route for a request of rank `rank` at the target `share`, given the running error. `explore` (already
 * drawn) sends a request the rank would send to the cloud to the nodes instead, when the share allows it.
 */
export function decideShare(rank: number, share: number, error: number, explore: boolean): ShareDecision & { explored: boolean } {
  const wanted = rank >= 1 - share ? 'cloud' : 'nodes';
  let route: 'nodes' | 'cloud' = keeps(wanted, share, error) ? wanted : wanted === 'cloud' ? 'nodes' : 'cloud';
  const explored = explore && route === 'cloud' && keeps('nodes', share, error);
  if (explored) route = 'nodes';
  return { route, error: error + share - (route === 'cloud' ? 1 : 0), held: route !== wanted && !explored, explored };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

// Turns a p_cloud into a route. The threshold is calibrated, as RouteLLM does: for a target cloud share
// it is the p_cloud above which that share of requests falls, taken from the user's own recent requests
// once there are enough of them, else from the model's validation rows; for a quality target it is the
// smallest share whose validated PGR reaches it.

import type { ModelInfo, Threshold } from '../../shared/router';
import { thresholdForShare } from './model/build';

export type RouterPolicy = { mode: 'cloudShare'; cloudShare: number } | { mode: 'quality'; quality: number };

/** Recent predictions needed before the threshold follows the user's own distribution. */
export const MIN_RECENT_FOR_CALIBRATION = 50;

/** The cloud share a policy aims at, given the model's validated PGR curve when it has one. */
export function targetShare(policy: RouterPolicy, calibration: ModelInfo['calibration']): number {
  if (policy.mode === 'cloudShare') return clamp01(policy.cloudShare);
  const pgr = calibration?.pgr;
  if (!calibration || !pgr) return 0.5;
  const i = pgr.findIndex((p) => p >= policy.quality);
  return i < 0 ? 1 : calibration.shares[i]!;
}

export function thresholdFor(policy: RouterPolicy, calibration: ModelInfo['calibration'], recent: readonly number[]): Threshold {
  const share = targetShare(policy, calibration);
  if (recent.length >= MIN_RECENT_FOR_CALIBRATION) {
    return { value: thresholdForShare([...recent].sort((a, b) => b - a), share), share, source: 'recent requests' };
  }
  if (calibration) {
    const { shares, thresholds } = calibration;
    const i = shares.findIndex((s) => s >= share);
    if (i >= 0) return { value: thresholds[i]!, share, source: 'model validation' };
  }
  return { value: 0.5, share, source: 'default' };
}

/**
 * The route for one request. A small share of requests the model would send to the cloud is sent to the
 * nodes instead: without it a node's answer is never seen for the requests the model doubts, and it
 * could never learn it was wrong about them (a cloud answer says nothing about the nodes).
 */
export function chooseRoute(pCloud: number, threshold: number, explore: number, random: () => number): { route: 'nodes' | 'cloud'; explored: boolean } {
  if (pCloud < threshold) return { route: 'nodes', explored: false };
  if (random() < explore) return { route: 'nodes', explored: true };
  return { route: 'cloud', explored: false };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

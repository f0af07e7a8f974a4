// The gate's threshold, calibrated on the user's own outcomes: thumbs, reroutes and what happened to escalated
// answers say which of their node answers were not good enough. Until there are enough, the configured
// threshold holds; then the cut that best separates their rejected answers from their accepted ones (Youden's J:
// true-positive rate minus false-positive rate) takes over as evidence grows.

/** Outcomes before the user's own cut counts at all; at this many more it counts as much as the setting. */
export const MIN_OUTCOMES = 30;
const HALF_WEIGHT = 50;
/** The calibrated threshold stays within these: the gate neither waves everything through nor escalates most answers. */
const BOUNDS = [0.02, 0.6] as const;

export function calibratedThreshold(configured: number, outcomes: readonly { score: number; label: 0 | 1 }[]): number {
  const rejected = outcomes.filter((o) => o.label === 1).length;
  const accepted = outcomes.length - rejected;
  if (outcomes.length < MIN_OUTCOMES || rejected === 0 || accepted === 0) return configured;
  let best = { j: -Infinity, cut: configured };
  for (const cut of [...new Set(outcomes.map((o) => o.score))].sort((a, b) => a - b)) {
    // An answer escalates when its score is under the cut.
    const tpr = outcomes.filter((o) => o.label === 1 && o.score < cut).length / rejected;
    const fpr = outcomes.filter((o) => o.label === 0 && o.score < cut).length / accepted;
    if (tpr - fpr > best.j) best = { j: tpr - fpr, cut };
  }
  if (best.j <= 0) return configured;
  const n = outcomes.length - MIN_OUTCOMES;
  const cut = Math.min(BOUNDS[1], Math.max(BOUNDS[0], best.cut));
  return (HALF_WEIGHT * configured + n * cut) / (HALF_WEIGHT + n);
}

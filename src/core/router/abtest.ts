// A/B testing of routing strategies: deterministic assignment per conversation, arm comparison with
// confidence intervals, and the promotion rule. Pure functions; the router service keeps the state.

import type { Arm, Comparison, Estimate } from '../../shared/router';
import { fnv1a } from './features';

export const ARMS: readonly Arm[] = ['ml', 'heuristic'];

/** The same conversation always gets the same arm, so one chat is not routed by two strategies. */
export function assignArm(key: string, mlShare: number): Arm {
  return fnv1a(`ab:${key}`) / 2 ** 32 < mlShare ? 'ml' : 'heuristic';
}

export interface Sample {
  arm: string;
  cloudTokens: number;
  /** 1 when the answer was accepted (no thumbs-down, no reroute), else 0. */
  accepted: number;
  latencyMs: number;
  /** 1 when it went to the cloud. */
  cloud?: number;
}

const Z95 = 1.96;

function estimate(values: readonly number[]): Estimate & { variance: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, ci: Infinity, variance: Infinity };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : Infinity;
  return { mean, ci: Z95 * Math.sqrt(variance / n), variance };
}

function difference(a: readonly number[], b: readonly number[]): Estimate {
  const ea = estimate(a);
  const eb = estimate(b);
  return { mean: ea.mean - eb.mean, ci: Z95 * Math.sqrt(ea.variance / Math.max(1, a.length) + eb.variance / Math.max(1, b.length)) };
}

export function compareArms(samples: readonly Sample[]): Comparison {
  const of = (arm: Arm) => samples.filter((s) => s.arm === arm);
  const column = (rows: readonly Sample[], k: 'cloudTokens' | 'accepted' | 'latencyMs') => rows.map((r) => r[k]);
  const strip = ({ mean, ci }: Estimate): Estimate => ({ mean, ci });
  const arms = ARMS.map((arm) => {
    const rows = of(arm);
    return {
      arm,
      n: rows.length,
      cloudTokens: strip(estimate(column(rows, 'cloudTokens'))),
      accepted: strip(estimate(column(rows, 'accepted'))),
      latencyMs: strip(estimate(column(rows, 'latencyMs'))),
      ...(rows.length > 0 && rows.every((r) => r.cloud !== undefined) ? { cloudShare: rows.reduce((n, r) => n + r.cloud!, 0) / rows.length } : {}),
    };
  });
  const [ml, heuristic] = [of('ml'), of('heuristic')];
  return {
    arms,
    difference: {
      cloudTokens: difference(column(ml, 'cloudTokens'), column(heuristic, 'cloudTokens')),
      accepted: difference(column(ml, 'accepted'), column(heuristic, 'accepted')),
      latencyMs: difference(column(ml, 'latencyMs'), column(heuristic, 'latencyMs')),
    },
  };
}

/** What an arm must use significantly less of to win. */
export type Objective = 'cloudTokens' | 'latencyMs';

export interface PromotionRule {
  objective: Objective;
  /** Answers per arm before any verdict. */
  minPerArm: number;
  /** Acceptance rate the winner may lose at most (its interval's lower end), e.g. 0.05 = five points. */
  qualityMargin: number;
  /** The cloud share the user chose: an arm whose realized share is more than 10 points off it is not promoted. */
  targetShare?: number;
}

export const DEFAULT_PROMOTION: PromotionRule = { objective: 'cloudTokens', minPerArm: 100, qualityMargin: 0.05 };

/** How far an arm's realized cloud share may be from the target for it to be promoted. */
const SHARE_TOLERANCE = 0.1;

const OBJECTIVE_TEXT: Record<Objective, string> = { cloudTokens: 'cloud tokens per answer', latencyMs: 'ms per answer' };

/**
 * The arm to promote, if any: the one that uses significantly less of the objective (the interval of the
 * difference excludes zero) while its acceptance rate is not significantly worse by more than the margin.
 */
export function promotion(c: Comparison, rule: PromotionRule = DEFAULT_PROMOTION): { arm: Arm; reason: string } | undefined {
  if (c.arms.some((a) => a.n < rule.minPerArm)) return undefined;
  const { accepted } = c.difference;
  const d = c.difference[rule.objective];
  const fmt = (mean: number) => `${Math.abs(mean).toFixed(1)} ± ${d.ci.toFixed(1)} fewer ${OBJECTIVE_TEXT[rule.objective]}`;
  const quality = (sign: number) => `acceptance ${(sign * accepted.mean * 100).toFixed(1)} ± ${(accepted.ci * 100).toFixed(1)} points`;
  const holds = (arm: Arm) => {
    const realized = c.arms.find((a) => a.arm === arm)?.cloudShare;
    return rule.targetShare === undefined || realized === undefined || Math.abs(realized - rule.targetShare) <= SHARE_TOLERANCE;
  };
  if (d.mean + d.ci < 0 && accepted.mean - accepted.ci > -rule.qualityMargin && holds('ml')) {
    return { arm: 'ml', reason: `ml: ${fmt(d.mean)}, ${quality(1)}` };
  }
  if (d.mean - d.ci > 0 && -accepted.mean - accepted.ci > -rule.qualityMargin && holds('heuristic')) {
    return { arm: 'heuristic', reason: `heuristic: ${fmt(d.mean)}, ${quality(-1)}` };
  }
  return undefined;
}

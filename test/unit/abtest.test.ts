import { describe, expect, it } from 'vitest';
import { assignArm, compareArms, DEFAULT_PROMOTION, promotion, type Sample } from '../../src/core/router/abtest';
import { seededRandom } from '../../src/core/random';

function samples(arm: string, n: number, cloudTokens: number, acceptRate: number, seed: number): Sample[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => ({ arm, cloudTokens: random() < 0.5 ? cloudTokens * 2 : 0, accepted: random() < acceptRate ? 1 : 0, latencyMs: 1000 + random() * 500 }));
}

describe('A/B testing', () => {
  it('assigns a conversation to the same arm every time', () => {
    expect(new Set(Array.from({ length: 5 }, () => assignArm('conv-42', 0.5))).size).toBe(1);
  });

  it('splits conversations about evenly at 50%', () => {
    const ml = Array.from({ length: 2000 }, (_, i) => assignArm(`conv-${i}`, 0.5)).filter((a) => a === 'ml').length;
    expect(ml).toBeGreaterThan(900);
    expect(ml).toBeLessThan(1100);
  });

  it('honours 0% and 100% shares', () => {
    expect(assignArm('x', 0)).toBe('heuristic');
    expect(assignArm('x', 1)).toBe('ml');
  });

  it('reports each arm with a 95% interval that narrows with more samples', () => {
    const few = compareArms(samples('ml', 20, 100, 0.9, 1));
    const many = compareArms(samples('ml', 2000, 100, 0.9, 1));
    expect(many.arms[0]!.cloudTokens.ci).toBeLessThan(few.arms[0]!.cloudTokens.ci);
    expect(many.arms[0]!.cloudTokens.mean).toBeGreaterThan(80);
  });

  it('promotes the arm that uses significantly fewer cloud tokens at the same acceptance', () => {
    const c = compareArms([...samples('ml', 1000, 50, 0.9, 1), ...samples('heuristic', 1000, 200, 0.9, 2)]);
    expect(promotion(c)?.arm).toBe('ml');
  });

  it('does not promote an arm that saves cloud tokens by missing the cloud share the user chose', () => {
    const offTarget = (arm: string, n: number, cloudTokens: number, share: number, seed: number) => samples(arm, n, cloudTokens, 0.9, seed).map((s, i) => ({ ...s, cloud: i < n * share ? 1 : 0 }));
    const c = compareArms([...offTarget('ml', 200, 20, 0.05, 1), ...offTarget('heuristic', 200, 80, 0.3, 2)]);
    expect(c.arms.find((a) => a.arm === 'ml')?.cloudShare).toBeCloseTo(0.05);
    expect(promotion(c, { ...DEFAULT_PROMOTION, targetShare: 0.3 })).toBeUndefined();
    expect(promotion(c, DEFAULT_PROMOTION)?.arm).toBe('ml');
  });

  it('does not promote a cheaper arm that loses acceptance', () => {
    const c = compareArms([...samples('ml', 400, 50, 0.6, 1), ...samples('heuristic', 400, 200, 0.95, 2)]);
    expect(promotion(c)).toBeUndefined();
  });

  it('does not decide before each arm has enough answers', () => {
    const c = compareArms([...samples('ml', 50, 10, 0.9, 1), ...samples('heuristic', 50, 500, 0.9, 2)]);
    expect(promotion(c)).toBeUndefined();
  });

  it('does not promote when the difference is within noise', () => {
    const c = compareArms([...samples('ml', 400, 100, 0.9, 1), ...samples('heuristic', 400, 100, 0.9, 2)]);
    expect(promotion(c)).toBeUndefined();
  });

  it('promotes on latency when that is the chosen objective', () => {
    const fast = Array.from({ length: 300 }, (_, i) => ({ arm: 'heuristic', cloudTokens: 0, accepted: i % 10 ? 1 : 0, latencyMs: 500 + (i % 7) * 10 }));
    const slow = Array.from({ length: 300 }, (_, i) => ({ arm: 'ml', cloudTokens: 0, accepted: i % 10 ? 1 : 0, latencyMs: 900 + (i % 7) * 10 }));
    const c = compareArms([...fast, ...slow]);
    expect(promotion(c, { ...DEFAULT_PROMOTION, objective: 'latencyMs' })?.arm).toBe('heuristic');
    expect(promotion(c, DEFAULT_PROMOTION)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { calibratedThreshold, MIN_OUTCOMES } from '../../src/core/quality/calibrate';
import { seededRandom } from '../../src/core/random';

/** Outcomes where the user rejected the answers scoring under `cut` (with some noise). */
function outcomes(n: number, cut: number, seed: number) {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const score = random();
    const rejected = random() < 0.1 ? score >= cut : score < cut;
    return { score, label: rejected ? (1 as const) : (0 as const) };
  });
}

describe('gate threshold calibration', () => {
  it('keeps the configured threshold until the user has enough outcomes', () => {
    expect(calibratedThreshold(0.2, outcomes(MIN_OUTCOMES - 1, 0.4, 1))).toBe(0.2);
  });

  it('moves toward the cut that separates this user\'s rejected answers from their accepted ones as outcomes grow', () => {
    const few = calibratedThreshold(0.2, outcomes(60, 0.4, 2));
    const many = calibratedThreshold(0.2, outcomes(1000, 0.4, 3));
    expect(few).toBeGreaterThan(0.2);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeGreaterThan(0.36);
    expect(many).toBeLessThan(0.44);
  });

  it('keeps the setting when scores say nothing about what the user rejected', () => {
    const random = seededRandom(4);
    const noise = Array.from({ length: 400 }, () => ({ score: random(), label: random() < 0.3 ? (1 as const) : (0 as const) }));
    expect(Math.abs(calibratedThreshold(0.2, noise) - 0.2)).toBeLessThan(0.15);
  });
});

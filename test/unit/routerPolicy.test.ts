import { describe, expect, it } from 'vitest';
import { decideShare, equivalentThreshold, rankOf, targetShare } from '../../src/core/router/policy';
import { seededRandom } from '../../src/core/random';

const p = Array.from({ length: 100 }, (_, i) => i / 100);

/** Decisions for a stream of p_cloud values, as the router makes them (recent predictions kept, error carried). */
function stream(values: readonly number[], share: number, explore = 0, random = () => 1): ('nodes' | 'cloud')[] {
  const recent: number[] = [];
  let error = 0;
  return values.map((v) => {
    const d = decideShare(rankOf(v, recent), share, error, random() < explore);
    recent.push(v);
    error = d.error;
    return d.route;
  });
}

/** The largest distance from the target share over every window of `size` consecutive decisions. */
function worstWindow(routes: readonly string[], share: number, size = 20): number {
  let worst = 0;
  for (let i = 0; i + size <= routes.length; i++) worst = Math.max(worst, Math.abs(routes.slice(i, i + size).filter((r) => r === 'cloud').length / size - share));
  return worst;
}

describe('router policy: the cloud share', () => {
  it('ranks a prediction among the recent ones: the top of 100 ranks near 1, the bottom near 0', () => {
    expect(rankOf(0.995, p)).toBeGreaterThan(0.95);
    expect(rankOf(0.001, p)).toBeLessThan(0.05);
  });

  it('holds the target within 10 points over every 20 decisions from the first, when every p_cloud is high', () => {
    const random = seededRandom(1);
    const high = Array.from({ length: 200 }, () => 0.9 + 0.09 * random());
    const routes = stream(high, 0.3);
    expect(worstWindow(routes, 0.3)).toBeLessThanOrEqual(0.1);
  });

  it('holds it when every p_cloud is low, and at other targets', () => {
    const random = seededRandom(2);
    const low = Array.from({ length: 200 }, () => 0.01 * random());
    for (const share of [0.1, 0.3, 0.5, 0.8]) expect(worstWindow(stream(low, share), share)).toBeLessThanOrEqual(0.1);
  });

  it('holds it with exploration on', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 300 }, () => random());
    expect(worstWindow(stream(values, 0.3, 0.05, seededRandom(4)), 0.3)).toBeLessThanOrEqual(0.1);
  });

  it('sends the higher-ranked requests to the cloud: their mean p_cloud is far above the nodes\' (0.70 against 0.37 on a uniform stream)', () => {
    const random = seededRandom(5);
    const values = Array.from({ length: 1000 }, () => random());
    const routes = stream(values, 0.3);
    const mean = (route: string) => {
      const picked = values.filter((_, i) => routes[i] === route && i >= 100);
      return picked.reduce((a, b) => a + b, 0) / picked.length;
    };
    expect(mean('cloud')).toBeGreaterThan(0.65);
    expect(mean('nodes')).toBeLessThan(0.42);
  });

  it('sends nothing to the cloud at a 0% target and everything at 100%', () => {
    expect(stream(p, 0)).not.toContain('cloud');
    expect(stream(p, 1)).not.toContain('nodes');
  });

  it('explores only a request the rank sends to the cloud, and only when the share allows', () => {
    expect(decideShare(0.99, 0.3, 0, true)).toMatchObject({ route: 'nodes', explored: true });
    expect(decideShare(0.1, 0.3, 0, true)).toMatchObject({ route: 'nodes', explored: false });
    expect(decideShare(0.99, 0.3, 0.8, true)).toMatchObject({ route: 'cloud', explored: false });
  });

  it('ranks a p_cloud as itself before the user has predictions, and by theirs once they have many', () => {
    expect(equivalentThreshold(0.3, [])).toBeCloseTo(0.7, 3);
    const skewed = Array.from({ length: 500 }, (_, i) => 0.9 + i / 10_000);
    expect(equivalentThreshold(0.3, skewed)).toBeGreaterThan(0.92);
  });

  it('turns a quality target into the smallest validated cloud share that reached it', () => {
    const calibration = { shares: [0, 0.25, 0.5, 0.75, 1], thresholds: [1, 0.8, 0.5, 0.2, 0], pgr: [0, 0.6, 0.85, 0.95, 1] };
    expect(targetShare({ mode: 'quality', quality: 0.8 }, calibration)).toBe(0.5);
    expect(targetShare({ mode: 'quality', quality: 0.99 }, calibration)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random';
import {
  COLD_LOAD_PENALTY_MS,
  DEFAULT_STRATEGY,
  PRIORS,
  STRATEGY_NAMES,
  createStrategy,
  expectedCompletionMs,
  isStrategyName,
  leastOutstanding,
  performanceWeighted,
  roundRobin,
  type Candidate,
} from '../../src/core/nodes/balancer';


function node(name: string, over: Partial<Candidate> = {}): Candidate {
  return { name, tier: 'lan', outstanding: 0, maxParallel: 1, loaded: true, ttftMs: 500, tokensPerSecond: 20, ...over };
}

const req = { expectedOutputTokens: 300 };
const never = () => {
  throw new Error('random() should not be needed here');
};

describe('strategy names', () => {
  it('defaults to performance-weighted', () => {
    expect(DEFAULT_STRATEGY).toBe('performance-weighted');
  });

  it('recognises exactly the known names', () => {
    for (const name of STRATEGY_NAMES) expect(isStrategyName(name)).toBe(true);
    expect(isStrategyName('random')).toBe(false);
    expect(isStrategyName(undefined)).toBe(false);
    expect(isStrategyName(3)).toBe(false);
  });

  it('creates the strategy it is asked for', () => {
    for (const name of STRATEGY_NAMES) expect(createStrategy(name).name).toBe(name);
  });

  it('refuses to choose from an empty list', () => {
    for (const name of STRATEGY_NAMES) expect(() => createStrategy(name).pick([], req, Math.random)).toThrow(/no candidates/);
  });
});

describe('round-robin', () => {
  it('cycles through the candidates in the given order', () => {
    const rr = roundRobin();
    const nodes = [node('a'), node('b'), node('c')];
    const picks = Array.from({ length: 7 }, () => rr.pick(nodes, req, never).name);
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('ignores load and speed', () => {
    const rr = roundRobin();
    const nodes = [node('busy', { outstanding: 9 }), node('idle')];
    expect(rr.pick(nodes, req, never).name).toBe('busy');
  });

  it('stays fair when a node is missing from some requests (no node is skipped twice)', () => {
    const rr = roundRobin();
    const all = [node('a'), node('b'), node('c')];
    const withoutB = [all[0]!, all[2]!];
    expect(rr.pick(all, req, never).name).toBe('a');
    expect(rr.pick(withoutB, req, never).name).toBe('c');
    expect(rr.pick(all, req, never).name).toBe('b');
    expect(rr.pick(all, req, never).name).toBe('a');
  });

  it('gives a newly seen node the next turn', () => {
    const rr = roundRobin();
    rr.pick([node('a'), node('b')], req, never);
    expect(rr.pick([node('a'), node('b'), node('new')], req, never).name).toBe('b');
    expect(rr.pick([node('a'), node('b'), node('new')], req, never).name).toBe('new');
  });

  it('keeps separate turns per strategy instance', () => {
    const nodes = [node('a'), node('b')];
    roundRobin().pick(nodes, req, never);
    expect(roundRobin().pick(nodes, req, never).name).toBe('a');
  });
});

describe('least-outstanding', () => {
  it('picks the node with the smallest share of its slots in use', () => {
    const nodes = [node('half', { outstanding: 1, maxParallel: 2 }), node('quarter', { outstanding: 1, maxParallel: 4 }), node('full', { outstanding: 1 })];
    expect(leastOutstanding().pick(nodes, req, () => 0).name).toBe('quarter');
  });

  it('counts the ratio, not the raw number (3 of 8 beats 1 of 2)', () => {
    const nodes = [node('small', { outstanding: 1, maxParallel: 2 }), node('big', { outstanding: 3, maxParallel: 8 })];
    expect(leastOutstanding().pick(nodes, req, () => 0).name).toBe('big');
  });

  it('ignores speed', () => {
    const nodes = [node('fast-busy', { tokensPerSecond: 200, outstanding: 1, maxParallel: 2 }), node('slow-idle', { tokensPerSecond: 5 })];
    expect(leastOutstanding().pick(nodes, req, () => 0).name).toBe('slow-idle');
  });

  it('breaks ties with the injected random', () => {
    const nodes = [node('a'), node('b'), node('c', { outstanding: 1 })];
    expect(leastOutstanding().pick(nodes, req, () => 0).name).toBe('a');
    expect(leastOutstanding().pick(nodes, req, () => 0.99).name).toBe('b');
  });
});

describe('expectedCompletionMs', () => {
  it('is ttft plus generation time for an idle node with the model loaded', () => {
    expect(expectedCompletionMs(node('n', { ttftMs: 500, tokensPerSecond: 20 }), { expectedOutputTokens: 300 })).toBe(500 + 15_000);
  });

  it('adds the cold-load penalty when the model is not in memory', () => {
    const warm = expectedCompletionMs(node('n'), req);
    expect(expectedCompletionMs(node('n', { loaded: false }), req)).toBe(warm + COLD_LOAD_PENALTY_MS);
  });

  it('uses the priors for a node that has not answered yet', () => {
    const unmeasured = node('n', { ttftMs: undefined, tokensPerSecond: undefined });
    const asPriors = node('n', { ttftMs: PRIORS.ttftMs, tokensPerSecond: PRIORS.tokensPerSecond });
    expect(expectedCompletionMs(unmeasured, req)).toBe(expectedCompletionMs(asPriors, req));
    expect(PRIORS).toEqual({ ttftMs: 800, tokensPerSecond: 20 });
  });

  it('treats a non-positive measured speed as unknown instead of dividing by zero', () => {
    expect(expectedCompletionMs(node('n', { tokensPerSecond: 0 }), req)).toBe(expectedCompletionMs(node('n', { tokensPerSecond: PRIORS.tokensPerSecond }), req));
  });

  it('adds nothing while a slot is free', () => {
    const idle = expectedCompletionMs(node('n', { maxParallel: 4 }), req);
    expect(expectedCompletionMs(node('n', { maxParallel: 4, outstanding: 3 }), req)).toBe(idle);
  });

  it('adds one service time per full round of requests ahead of us', () => {
    const service = expectedCompletionMs(node('n', { maxParallel: 2 }), req);
    // outstanding -> rounds waited = ceil((outstanding + 1 - 2) / 2)
    const rounds = [0, 1, 2, 3, 4, 5].map((outstanding) => expectedCompletionMs(node('n', { maxParallel: 2, outstanding }), req) / service - 1);
    expect(rounds).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('performance-weighted', () => {
  it('tries an idle node nobody has measured before the measured ones', () => {
    const measured = node('known', { ttftMs: 10, tokensPerSecond: 400 });
    const fresh = node('new', { ttftMs: undefined, tokensPerSecond: undefined, loaded: false });
    expect(performanceWeighted().pick([measured, fresh], req, Math.random).name).toBe('new');
  });

  it('returns the only candidate', () => {
    expect(performanceWeighted().pick([node('only', { outstanding: 50 })], req, never).name).toBe('only');
  });

  it('prefers a 4x faster idle node over a slow idle one', () => {
    const nodes = [node('slow', { tokensPerSecond: 20 }), node('fast', { tokensPerSecond: 80 })];
    expect(performanceWeighted().pick(nodes, req, never).name).toBe('fast');
  });

  it('prefers a node with the model loaded over a cold one when otherwise equal', () => {
    const nodes = [node('cold', { loaded: false }), node('warm')];
    expect(performanceWeighted().pick(nodes, req, never).name).toBe('warm');
  });

  it('moves to the slower node once the fast one has queued enough to be slower', () => {
    // fast: 300 + 300/80 s = 4050 ms per request, one slot; slow: 800 + 300/20 s = 15 800 ms.
    // Queued behind k requests the fast node needs (k + 1) * 4050 ms: better for k <= 2 (12 150 ms),
    // worse from k = 3 (16 200 ms > 15 800 ms).
    const slow = node('slow', { ttftMs: 800, tokensPerSecond: 20 });
    const fast = (outstanding: number) => node('fast', { ttftMs: 300, tokensPerSecond: 80, outstanding });
    const pw = performanceWeighted();
    expect(pw.pick([slow, fast(2)], req, never).name).toBe('fast');
    expect(pw.pick([slow, fast(3)], req, never).name).toBe('slow');
  });

  it('compares a busy unmeasured node by the priors (so it beats a measured node slower than them)', () => {
    const nodes = [node('measured-slow', { ttftMs: 2000, tokensPerSecond: 5 }), node('new', { ttftMs: undefined, tokensPerSecond: undefined, outstanding: 1 })];
    expect(performanceWeighted().pick(nodes, req, never).name).toBe('new');
  });

  it('weighs speed more for long answers and first-token time more for short ones', () => {
    const quickStart = node('quick-start', { ttftMs: 200, tokensPerSecond: 20 });
    const fastGen = node('fast-gen', { ttftMs: 3000, tokensPerSecond: 60 });
    const pw = performanceWeighted();
    expect(pw.pick([quickStart, fastGen], { expectedOutputTokens: 20 }, never).name).toBe('quick-start');
    expect(pw.pick([quickStart, fastGen], { expectedOutputTokens: 1000 }, never).name).toBe('fast-gen');
  });

  it('on equal expected time prefers the less loaded node', () => {
    const nodes = [node('busier', { maxParallel: 4, outstanding: 2 }), node('quieter', { maxParallel: 4, outstanding: 1 })];
    expect(performanceWeighted().pick(nodes, req, never).name).toBe('quieter');
  });

  it('on a complete tie flips the injected coin', () => {
    const nodes = [node('a'), node('b')];
    expect(performanceWeighted().pick(nodes, req, () => 0.1).name).toBe('a');
    expect(performanceWeighted().pick(nodes, req, () => 0.9).name).toBe('b');
  });

  describe('power of two choices among 3+ nodes', () => {
    const best = node('best', { tokensPerSecond: 80 });
    const middle = node('middle', { tokensPerSecond: 40 });
    const worst = node('worst', { tokensPerSecond: 10 });

    function shares(candidates: Candidate[], picks: number, seed: number): Record<string, number> {
      const pw = performanceWeighted();
      const random = seededRandom(seed);
      const counts: Record<string, number> = Object.fromEntries(candidates.map((c) => [c.name, 0]));
      for (let i = 0; i < picks; i++) counts[pw.pick(candidates, req, random).name]!++;
      return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / picks]));
    }

    it('never picks the worst of three (it always loses the comparison it is drawn into)', () => {
      expect(shares([worst, middle, best], 3000, 1).worst).toBe(0);
    });

    it('samples by throughput, so the fastest node gets about its capacity-weighted share (~94% here)', () => {
      // weights 80:40:10 -> the fastest is in a drawn pair with probability 0.94 and wins every pair it is in
      const s = shares([worst, middle, best], 3000, 2);
      expect(s.best).toBeGreaterThan(0.9);
      expect(s.best).toBeLessThan(0.97);
    });

    it('still sends the runner-up some work, so a burst does not all herd onto one node', () => {
      expect(shares([worst, middle, best], 3000, 3).middle).toBeGreaterThan(0.03);
    });

    it('draws candidates regardless of their position in the list', () => {
      const a = shares([best, middle, worst], 3000, 4);
      const b = shares([worst, best, middle], 3000, 4);
      expect(Math.abs(a.best! - b.best!)).toBeLessThan(0.05);
    });

    it('among many nodes, never picks the single worst one', () => {
      const many = [worst, ...[15, 25, 35, 45, 55].map((tps) => node(`n${tps}`, { tokensPerSecond: tps })), best];
      expect(shares(many, 5000, 5).worst).toBe(0);
    });
  });
});

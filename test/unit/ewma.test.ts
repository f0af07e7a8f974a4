import { describe, expect, it } from 'vitest';
import { Ewma, NodeStats } from '../../src/core/nodes/ewma';

describe('Ewma', () => {
  it('is unknown before the first sample', () => {
    const e = new Ewma();
    expect(e.value).toBeUndefined();
    expect(e.samples).toBe(0);
  });

  it('takes the first sample as is (no bias towards zero)', () => {
    expect(new Ewma().update(100)).toBe(100);
  });

  it('moves by alpha of the difference on each later sample', () => {
    const e = new Ewma(0.3);
    e.update(100);
    expect(e.update(200)).toBeCloseTo(130);
    expect(e.update(130)).toBeCloseTo(130);
    expect(e.samples).toBe(3);
  });

  it('follows a lasting change within a handful of samples', () => {
    const e = new Ewma();
    e.update(10);
    for (let i = 0; i < 10; i++) e.update(50);
    expect(e.value!).toBeGreaterThan(48);
  });

  it('with alpha 1 is just the last sample', () => {
    const e = new Ewma(1);
    e.update(3);
    expect(e.update(7)).toBe(7);
  });

  it('rejects an alpha outside (0, 1] and a non-finite sample', () => {
    expect(() => new Ewma(0)).toThrow(RangeError);
    expect(() => new Ewma(1.5)).toThrow(RangeError);
    expect(() => new Ewma().update(Number.NaN)).toThrow(RangeError);
  });
});

describe('NodeStats', () => {
  it('knows nothing about a node that has not answered', () => {
    expect(new NodeStats().get('a')).toEqual({ samples: 0 });
  });

  it('keeps an average of time to first token and speed per node', () => {
    const s = new NodeStats();
    s.record('a', { ttftMs: 100, tokensPerSecond: 40 });
    s.record('a', { ttftMs: 200, tokensPerSecond: 20 });
    s.record('b', { ttftMs: 900, tokensPerSecond: 5 });
    expect(s.get('a').ttftMs).toBeCloseTo(130);
    expect(s.get('a').tokensPerSecond).toBeCloseTo(34);
    expect(s.get('a').samples).toBe(2);
    expect(s.get('b')).toEqual({ ttftMs: 900, tokensPerSecond: 5, samples: 1 });
  });

  it('accepts a sample with only one of the two measurements', () => {
    const s = new NodeStats();
    s.record('a', { ttftMs: 300 });
    expect(s.get('a')).toEqual({ ttftMs: 300, tokensPerSecond: undefined, samples: 1 });
  });

  it('ignores non-finite and negative measurements', () => {
    const s = new NodeStats();
    s.record('a', { ttftMs: 100, tokensPerSecond: 10 });
    s.record('a', { ttftMs: Number.NaN, tokensPerSecond: Number.POSITIVE_INFINITY });
    s.record('a', { ttftMs: -5, tokensPerSecond: -1 });
    expect(s.get('a')).toEqual({ ttftMs: 100, tokensPerSecond: 10, samples: 1 });
  });

  it('ignores a speed of zero (it would make the node look infinitely slow)', () => {
    const s = new NodeStats();
    s.record('a', { tokensPerSecond: 10 });
    s.record('a', { tokensPerSecond: 0 });
    expect(s.get('a').tokensPerSecond).toBe(10);
  });

  it('does not create an entry from a sample with nothing usable', () => {
    const s = new NodeStats();
    s.record('a', { ttftMs: Number.NaN });
    expect(s.get('a')).toEqual({ samples: 0 });
  });
});

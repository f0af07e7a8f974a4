import { describe, expect, it } from 'vitest';
import { chooseRoute, MIN_RECENT_FOR_CALIBRATION, targetShare, thresholdFor } from '../../src/core/router/policy';
import { calibrate } from '../../src/core/router/model/build';

const p = Array.from({ length: 100 }, (_, i) => i / 100);

describe('router policy', () => {
  it('calibrates the threshold so the target share of recent requests goes to the cloud', () => {
    const t = thresholdFor({ mode: 'cloudShare', cloudShare: 0.3 }, undefined, p);
    expect(t.source).toBe('recent requests');
    expect(p.filter((x) => x >= t.value)).toHaveLength(30);
  });

  it("uses the model's validation calibration until enough recent requests are seen", () => {
    const calibration = calibrate(p);
    const t = thresholdFor({ mode: 'cloudShare', cloudShare: 0.3 }, calibration, p.slice(0, MIN_RECENT_FOR_CALIBRATION - 1));
    expect(t.source).toBe('model validation');
    expect(p.filter((x) => x >= t.value)).toHaveLength(30);
  });

  it('sends nothing to the cloud at a 0% target and everything at 100%', () => {
    expect(p.filter((x) => x >= thresholdFor({ mode: 'cloudShare', cloudShare: 0 }, undefined, p).value)).toHaveLength(0);
    expect(p.filter((x) => x >= thresholdFor({ mode: 'cloudShare', cloudShare: 1 }, undefined, p).value)).toHaveLength(100);
  });

  it('turns a quality target into the smallest validated cloud share that reached it', () => {
    const calibration = { shares: [0, 0.25, 0.5, 0.75, 1], thresholds: [1, 0.8, 0.5, 0.2, 0], pgr: [0, 0.6, 0.85, 0.95, 1] };
    expect(targetShare({ mode: 'quality', quality: 0.8 }, calibration)).toBe(0.5);
    expect(targetShare({ mode: 'quality', quality: 0.99 }, calibration)).toBe(1);
  });

  it('falls back to 0.5 without calibration or history', () => {
    expect(thresholdFor({ mode: 'cloudShare', cloudShare: 0.3 }, undefined, [])).toMatchObject({ value: 0.5, source: 'default' });
  });

  it('routes below the threshold to the nodes and at or above it to the cloud', () => {
    expect(chooseRoute(0.2, 0.5, 0, () => 0)).toEqual({ route: 'nodes', explored: false });
    expect(chooseRoute(0.5, 0.5, 0, () => 0)).toEqual({ route: 'cloud', explored: false });
  });

  it('explores: sends a cloud-bound request to the nodes when the draw falls under the exploration share', () => {
    expect(chooseRoute(0.9, 0.5, 0.05, () => 0.01)).toEqual({ route: 'nodes', explored: true });
    expect(chooseRoute(0.9, 0.5, 0.05, () => 0.5)).toEqual({ route: 'cloud', explored: false });
  });
});

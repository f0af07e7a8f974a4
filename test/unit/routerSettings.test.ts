import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTER_SETTINGS, parseRouterSettings } from '../../src/core/router/settings';

describe('router settings', () => {
  it('defaults to an A/B test at a 30% cloud share with 5% exploration, retraining every 50 labels', () => {
    expect(parseRouterSettings({})).toEqual({ settings: DEFAULT_ROUTER_SETTINGS, problems: [] });
    expect(DEFAULT_ROUTER_SETTINGS).toMatchObject({ mode: 'ab', policy: { mode: 'cloudShare', cloudShare: 0.3 }, explore: 0.05, retrainEvery: 50 });
  });

  it('switches the policy to a quality target when one is set', () => {
    expect(parseRouterSettings({ qualityTarget: 0.8 }).settings.policy).toEqual({ mode: 'quality', quality: 0.8 });
  });

  it('keeps a model path, trimmed, and ignores an empty one', () => {
    expect(parseRouterSettings({ modelPath: ' /m/router.onnx ' }).settings.modelPath).toBe('/m/router.onnx');
    expect(parseRouterSettings({ modelPath: '  ' }).settings.modelPath).toBeUndefined();
  });

  it('falls back to the default and says why for each value out of range', () => {
    const { settings, problems } = parseRouterSettings({ mode: 'magic', cloudShare: 2, explore: -1, retrainEvery: 2.5, abObjective: 'vibes' });
    expect(settings).toMatchObject({ mode: 'ab', policy: { cloudShare: 0.3 }, explore: 0.05, retrainEvery: 50, abObjective: 'cloudTokens' });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/singularity\.router\.mode must be one of ab, ml, heuristic/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_BALANCER, DEFAULT_MODELS, parseConfig } from '../../src/core/config';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';

describe('parseConfig', () => {
  it('accepts a well-formed node and fills defaults for tier, models and parallelism', () => {
    const { config, problems } = parseConfig({ nodes: [{ name: 'laptop', baseUrl: 'http://127.0.0.1:11434/' }] });
    expect(problems).toEqual([]);
    expect(config.nodes).toEqual([{ name: 'laptop', baseUrl: 'http://127.0.0.1:11434', tier: 'local', models: [], maxParallel: 2 }]);
  });

  it('skips a node with a malformed URL and says which entry and why', () => {
    const { config, problems } = parseConfig({ nodes: [{ name: 'bad', baseUrl: 'not a url' }] });
    expect(config.nodes).toEqual([]);
    expect(problems[0]).toMatch(/singularity\.nodes\[0\].*not a valid URL/);
  });

  it('skips a node whose URL uses a non-http scheme', () => {
    const { problems } = parseConfig({ nodes: [{ name: 'ftp', baseUrl: 'ftp://host:11434' }] });
    expect(problems[0]).toMatch(/must start with http/);
  });

  it('drops a duplicate node (same URL) with a message', () => {
    const node = { name: 'a', baseUrl: 'http://10.0.0.2:11434' };
    const { config, problems } = parseConfig({ nodes: [node, { ...node, name: 'b' }] });
    expect(config.nodes.map((n) => n.name)).toEqual(['a']);
    expect(problems[0]).toMatch(/duplicates an earlier node/);
  });

  it('gives Anthropic its default base URL', () => {
    const { config } = parseConfig({ cloudProviders: [{ name: 'claude', kind: 'anthropic', model: 'claude-sonnet-4-5' }] });
    expect(config.cloudProviders[0]).toMatchObject({ kind: 'anthropic', baseUrl: 'https://api.anthropic.com/v1' });
  });

  it('rejects a cloud provider without a model', () => {
    const { config, problems } = parseConfig({ cloudProviders: [{ name: 'x', baseUrl: 'https://api.openai.com/v1' }] });
    expect(config.cloudProviders).toEqual([]);
    expect(problems[0]).toMatch(/model is missing/);
  });

  it('reads the balancer settings and falls back, with a message, on an unknown strategy', () => {
    expect(parseConfig({ balancer: { strategy: 'round-robin', failureThreshold: 5, cooldownSeconds: 10 } }).config.balancer).toEqual({
      strategy: 'round-robin',
      failureThreshold: 5,
      cooldownMs: 10_000,
    });
    const { config, problems } = parseConfig({ balancer: { strategy: 'random' } });
    expect(config.balancer.strategy).toBe('performance-weighted');
    expect(problems[0]).toMatch(/strategy "random" is unknown/);
  });

  it('reads local-only mode and the never-send patterns', () => {
    expect(parseConfig({ privacy: { localOnly: true, neverSend: ['*.secret', 42] } }).config.privacy).toEqual({ localOnly: true, neverSend: ['*.secret'] });
  });

  it('survives settings that are not objects at all', () => {
    expect(parseConfig('garbage').config).toEqual({ nodes: [], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY, think: 'auto' });
  });
});

describe('singularity.think', () => {
  it('is auto unless set, and takes on / off / a level', () => {
    expect(parseConfig({}).config.think).toBe('auto');
    expect(parseConfig({ think: 'HIGH' }).config.think).toBe('high');
    expect(parseConfig({ think: false }).config.think).toBe('off');
  });

  it('says an unknown value is ignored, with the choices', () => {
    const { config, problems } = parseConfig({ think: 'max' });
    expect(config.think).toBe('auto');
    expect(problems).toEqual(['singularity.think "max" is unknown; using auto (choices: auto, on, off, low, medium, high).']);
  });
});


import { describe, expect, it } from 'vitest';
import { ruleRouter } from '../../src/core/router/rule';
import { NoRouteError, type RouteContext } from '../../src/core/router/types';
import type { NodeStatus } from '../../src/core/nodes/registry';
import { DEFAULT_MODELS } from '../../src/core/config';
import type { NodeConfig } from '../../src/core/types';

const node = (name: string, tier: 'local' | 'lan', models: string[], healthy = true, configured: string[] = []): NodeStatus => ({
  node: { name, baseUrl: `http://${name}:11434`, tier, models: configured, maxParallel: 2 } satisfies NodeConfig,
  healthy,
  models,
});
const cloud = { name: 'openai', kind: 'openai' as const, baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' };
const ctx = (over: Partial<RouteContext>): RouteContext => ({
  requested: 'auto',
  task: 'chat',
  nodes: [],
  cloud: [cloud],
  defaultModels: DEFAULT_MODELS,
  ...over,
});

describe('rule router', () => {
  it('prefers a healthy local node that has the model, with LAN and cloud as fallbacks', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('lan1', 'lan', ['llama3.2:latest']), node('laptop', 'local', ['llama3.2:latest'])] }));
    expect(d.target).toMatchObject({ route: 'local', model: 'llama3.2:latest' });
    expect(d.fallbacks.map((t) => t.route)).toEqual(['lan', 'cloud']);
  });

  it('skips a node that is down', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('laptop', 'local', ['llama3.2:latest'], false), node('lan1', 'lan', ['llama3.2:latest'])] }));
    expect(d.target.route).toBe('lan');
  });

  it('skips a node that lacks the model and goes to the cloud, saying why', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('laptop', 'local', ['mistral:latest'])] }));
    expect(d.target.route).toBe('cloud');
    expect(d.reason).toMatch(/no healthy node has llama3.2/);
  });

  it('uses the code model for code tasks and falls back to the chat model when a node lacks it', () => {
    const both = ruleRouter.decide(ctx({ task: 'code', nodes: [node('a', 'local', ['llama3.2:latest', 'qwen2.5-coder:latest'])] }));
    expect(both.target.model).toBe('qwen2.5-coder:latest');
    const chatOnly = ruleRouter.decide(ctx({ task: 'code', nodes: [node('a', 'local', ['llama3.2:latest'])] }));
    expect(chatOnly.target.model).toBe('llama3.2:latest');
  });

  it('honours the models a node is restricted to in settings', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('a', 'local', ['llama3.2:latest', 'mistral:latest'], true, ['mistral'])] }));
    expect(d.target.route).toBe('cloud');
  });

  it('narrows to the requested route', () => {
    const d = ruleRouter.decide(ctx({ requested: 'cloud', nodes: [node('laptop', 'local', ['llama3.2:latest'])] }));
    expect(d.target.route).toBe('cloud');
    expect(d.fallbacks).toEqual([]);
  });

  it('throws NoRouteError with the fixes when nothing can answer', () => {
    expect(() => ruleRouter.decide(ctx({ cloud: [], nodes: [node('laptop', 'local', [], false)] }))).toThrow(NoRouteError);
    expect(() => ruleRouter.decide(ctx({ cloud: [] }))).toThrow(/Add Ollama Node.*Set Cloud API Key/);
  });
});

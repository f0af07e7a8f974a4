import { describe, expect, it } from 'vitest';
import { ruleRouter } from '../../src/core/router/rule';
import { NoRouteError, type RouteContext } from '../../src/core/router/types';
import type { NodeStatus } from '../../src/core/nodes/registry';
import { DEFAULT_MODELS } from '../../src/core/config';

const node = (name: string, tier: 'local' | 'lan', models: string[], healthy = true, configured: string[] = []): NodeStatus => ({
  node: { name, baseUrl: `http://${name}:11434`, tier, models: configured, maxParallel: 2 },
  healthy,
  models,
  loaded: [],
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
  it('sends the request to the node pool (local and LAN tiers that have the model) with the cloud as fallback', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('lan1', 'lan', ['llama3.2:latest']), node('laptop', 'local', ['llama3.2:latest'])] }));
    expect(d.targets).toEqual([
      { kind: 'nodes', tiers: ['local', 'lan'], models: ['llama3.2'] },
      { kind: 'cloud', provider: cloud, model: 'gpt-4o-mini' },
    ]);
  });

  it('leaves out a tier whose only node is down', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('laptop', 'local', ['llama3.2:latest'], false), node('lan1', 'lan', ['llama3.2:latest'])] }));
    expect(d.targets[0]).toMatchObject({ kind: 'nodes', tiers: ['lan'] });
  });

  it('goes to the cloud when no node has the model, saying why', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('laptop', 'local', ['mistral:latest'])] }));
    expect(d.targets.map((t) => t.kind)).toEqual(['cloud']);
    expect(d.reason).toMatch(/no healthy node has llama3.2/);
  });

  it('asks for the code model first on code tasks, then the chat model', () => {
    const d = ruleRouter.decide(ctx({ task: 'code', nodes: [node('a', 'local', ['llama3.2:latest'])] }));
    expect(d.targets[0]).toMatchObject({ kind: 'nodes', models: ['qwen2.5-coder', 'llama3.2'] });
  });

  it('honours the models a node is restricted to in settings', () => {
    const d = ruleRouter.decide(ctx({ nodes: [node('a', 'local', ['llama3.2:latest', 'mistral:latest'], true, ['mistral'])] }));
    expect(d.targets.map((t) => t.kind)).toEqual(['cloud']);
  });

  it('narrows to the requested route', () => {
    const nodes = [node('laptop', 'local', ['llama3.2:latest']), node('lan1', 'lan', ['llama3.2:latest'])];
    expect(ruleRouter.decide(ctx({ requested: 'cloud', nodes })).targets.map((t) => t.kind)).toEqual(['cloud']);
    expect(ruleRouter.decide(ctx({ requested: 'lan', nodes })).targets).toEqual([{ kind: 'nodes', tiers: ['lan'], models: ['llama3.2'] }]);
  });

  it('throws NoRouteError with the fixes when nothing can answer', () => {
    expect(() => ruleRouter.decide(ctx({ cloud: [], nodes: [node('laptop', 'local', [], false)] }))).toThrow(NoRouteError);
    expect(() => ruleRouter.decide(ctx({ cloud: [] }))).toThrow(/Add Ollama Node.*Set Cloud API Key/);
  });
});

import { describe, expect, it } from 'vitest';
import { installedDefaults, standInFor } from '../../src/core/nodes/standIn';
import type { NodeStatus } from '../../src/core/nodes/registry';
import { DEFAULT_MODELS } from '../../src/core/config';

const caps = (...c: string[]) => ({ capabilities: c, thinkLevels: [] });

function node(models: Record<string, string[] | undefined>, over: Partial<NodeStatus> = {}): NodeStatus {
  const known = Object.entries(models).filter((e): e is [string, string[]] => !!e[1]);
  return {
    node: { name: 'n', baseUrl: 'http://127.0.0.1:1', tier: 'local', models: [], maxParallel: 1 },
    healthy: true,
    models: Object.keys(models),
    loaded: [],
    capabilities: Object.fromEntries(known.map(([m, c]) => [m, caps(...c)])),
    ...over,
  };
}

describe('a stand-in for a default model no node has', () => {
  it('is an installed model that completes, never an embedding model', () => {
    const n = node({ 'nomic-embed-text:latest': ['embedding'], 'qwen3:8b': ['completion', 'thinking'] });
    expect(standInFor('chat', 'llama3.2', [n])).toBe('qwen3:8b');
    expect(standInFor('chat', 'llama3.2', [node({ 'nomic-embed-text:latest': ['embedding'] })])).toBeUndefined();
  });

  it('is the same model under another tag first', () => {
    const n = node({ 'qwen3:8b': ['completion'], 'llama3.2:1b': ['completion'] });
    expect(standInFor('chat', 'llama3.2', [n])).toBe('llama3.2:1b');
  });

  it('prefers a model already loaded in memory', () => {
    const n = node({ 'qwen3:8b': ['completion'], 'mistral:7b': ['completion'] }, { loaded: ['mistral:7b'] });
    expect(standInFor('chat', 'llama3.2', [n])).toBe('mistral:7b');
  });

  it('answers images only with a model whose capabilities list vision', () => {
    const n = node({ 'qwen3:8b': ['completion'], 'llava:7b': ['completion', 'vision'], 'gemma3:4b': undefined });
    expect(standInFor('vision', 'moondream', [n])).toBe('llava:7b');
    expect(standInFor('vision', 'moondream', [node({ 'qwen3:8b': ['completion'], 'gemma3:4b': undefined })])).toBeUndefined();
  });

  it('takes a model with unknown capabilities (an older Ollama) unless its name says embedding', () => {
    expect(standInFor('chat', 'llama3.2', [node({ 'all-minilm-embed:latest': undefined, 'phi3:mini': undefined })])).toBe('phi3:mini');
  });

  it('for code, is a coding model or none (code requests fall back to the chat model anyway)', () => {
    expect(standInFor('code', 'qwen2.5-coder', [node({ 'qwen3:8b': ['completion'], 'deepseek-coder:6.7b': ['completion'] })])).toBe('deepseek-coder:6.7b');
    expect(standInFor('code', 'qwen2.5-coder', [node({ 'qwen3:8b': ['completion'] })])).toBeUndefined();
  });

  it('is taken from healthy nodes only', () => {
    expect(standInFor('chat', 'llama3.2', [node({ 'qwen3:8b': ['completion'] }, { healthy: false })])).toBeUndefined();
  });

  it('replaces only the defaults that are missing', () => {
    const n = node({ 'qwen3:8b': ['completion'], 'moondream:latest': ['completion', 'vision'] });
    const { models, standIns } = installedDefaults(DEFAULT_MODELS, [n]);
    expect(models).toEqual({ chat: 'qwen3:8b', code: DEFAULT_MODELS.code, vision: 'moondream' });
    expect(standIns).toEqual([{ task: 'chat', configured: 'llama3.2', model: 'qwen3:8b' }]);
  });
});

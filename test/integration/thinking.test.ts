import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { chats, collect, endOf, input, nodeOf, ollama, result, setup } from './support';
import type { FakeServerOptions } from '../fixtures';

const QWEN3 = { 'qwen3:8b': { capabilities: ['completion', 'tools', 'thinking'] } };
const GPT_OSS = { 'gpt-oss:20b': { capabilities: ['completion', 'tools', 'thinking'], thinking: { values: ['low', 'medium', 'high'], default: 'medium' } } };

/** A node serving one thinking model, which reasons `thinking` before answering `reply`. */
async function thinker(over: FakeServerOptions = {}) {
  return ollama({ models: ['qwen3:8b'], show: QWEN3, thinking: () => 'The user wants a closure explained. Keep it short.', reply: () => 'A closure keeps its scope.', ...over });
}

const thinkSent = (node: Awaited<ReturnType<typeof ollama>>) => (chats(node).at(-1)!.body as { think?: unknown }).think;

describe('thinking models', () => {
  it('streams the reasoning as thinking events before the answer, never inside it', async () => {
    const node = await thinker();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], defaultModels: { chat: 'qwen3:8b', code: 'qwen3:8b', vision: 'moondream' } });
    const events = await collect(ask(input(), deps));
    const kinds = events.filter((e) => e.type === 'thinking' || e.type === 'token').map((e) => e.type);
    expect(kinds.indexOf('token')).toBeGreaterThan(kinds.lastIndexOf('thinking'));
    const r = endOf(events);
    expect(r.text).toBe('A closure keeps its scope.');
    expect(r.thinking).toBe('The user wants a closure explained. Keep it short.');
  });

  it('splits <think>…</think> written into the content the same way', async () => {
    const node = await thinker({ thinkInContent: true });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], defaultModels: { chat: 'qwen3:8b', code: 'qwen3:8b', vision: 'moondream' } });
    const r = await result(ask(input(), deps));
    expect(r.text).toBe('A closure keeps its scope.');
    expect(r.thinking).toBe('The user wants a closure explained. Keep it short.');
  });

  it('counts the first reasoning token as the first token: a model thinking longer than the first-token timeout is not cut', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `step${i}`).join(' ');
    const node = await thinker({ tokensPerSecond: 100, thinking: () => long });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], defaultModels: { chat: 'qwen3:8b', code: 'qwen3:8b', vision: 'moondream' } });
    const r = await result(ask(input(), { ...deps, firstTokenTimeoutMs: 150 }));
    expect(r).toMatchObject({ outcome: 'ok', text: 'A closure keeps its scope.' });
    // 40 reasoning tokens at 100/s take ~400 ms; the TTFT is that of the first of them.
    expect(r.meta!.ttftMs!).toBeLessThan(300);
  });

  it('leaves think out by default and for models that do not think (Ollama answers 400 to those)', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'qwen3:8b'], show: QWEN3 });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], think: 'on' });
    const r = await result(ask(input({ model: 'llama3.2' }), deps));
    expect(r.outcome).toBe('ok');
    expect(thinkSent(node)).toBeUndefined();
    const auto = await setup({ nodes: [nodeOf(node, 'laptop')], think: 'auto' });
    await result(ask(input({ model: 'qwen3:8b' }), auto.deps));
    expect(thinkSent(node)).toBeUndefined();
  });

  it('sends think false when the setting is off, and the model answers without reasoning', async () => {
    const node = await thinker();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], think: 'off' });
    const r = await result(ask(input({ model: 'qwen3:8b' }), deps));
    expect(thinkSent(node)).toBe(false);
    expect(r.thinking).toBeUndefined();
    expect(r.text).toBe('A closure keeps its scope.');
  });

  it('sends a level the model lists in /api/show, and plain true for a model without levels', async () => {
    const node = await ollama({ models: ['gpt-oss:20b', 'qwen3:8b'], show: { ...GPT_OSS, ...QWEN3 } });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], think: 'high' });
    await result(ask(input({ model: 'gpt-oss:20b' }), deps));
    expect(thinkSent(node)).toBe('high');
    await result(ask(input({ model: 'qwen3:8b' }), deps));
    expect(thinkSent(node)).toBe(true);
  });

  it('scores the answer, not the reasoning: a looping reasoning does not stop or escalate a good answer', async () => {
    const looping = Array.from({ length: 60 }, () => 'wait, let me reconsider.').join(' ');
    const node = await thinker({ thinking: () => looping, reply: () => 'A closure is a function together with the variables of the scope it was created in, which it keeps using after that scope has returned.' });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], defaultModels: { chat: 'qwen3:8b', code: 'qwen3:8b', vision: 'moondream' } }, { learning: {} });
    const events = await collect(ask(input(), deps));
    expect(events.some((e) => e.type === 'escalated')).toBe(false);
    const r = endOf(events);
    expect(r.outcome).toBe('ok');
    expect(r.stoppedEarly).toBeUndefined();
  });
});

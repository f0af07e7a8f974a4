import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { input, nodeOf, ollama, result, setup } from './support';
import type { Logger } from '../../src/core/log';

const QWEN3 = { 'qwen3:8b': { capabilities: ['completion', 'tools', 'thinking'] }, 'nomic-embed-text:latest': { capabilities: ['embedding'] } };

describe('a node without the default model', () => {
  it('answers with an installed model that can do the task, and the meta line says which default it stands in for', async () => {
    const node = await ollama({ models: ['nomic-embed-text:latest', 'qwen3:8b'], show: QWEN3, reply: () => 'from qwen3' });
    const lines: string[] = [];
    const log: Logger = { debug: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] }, { log });
    const r = await result(ask(input(), deps));
    expect(r).toMatchObject({ outcome: 'ok', text: 'from qwen3', meta: { model: 'qwen3:8b', standIn: { task: 'chat', configured: 'llama3.2' } } });
    expect(lines).toContainEqual(expect.stringContaining('The default chat model llama3.2 is on no healthy node; using the installed qwen3:8b'));
  });

  it('still refuses a model the user named that no node has', async () => {
    const node = await ollama({ models: ['qwen3:8b'], show: QWEN3 });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const r = await result(ask(input({ model: 'llama3.2' }), deps));
    expect(r).toMatchObject({ outcome: 'error', errorCode: 'noRoute' });
  });

  it('says nothing can answer when the node has only an embedding model', async () => {
    const node = await ollama({ models: ['nomic-embed-text:latest'], show: QWEN3 });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const r = await result(ask(input(), deps));
    expect(r).toMatchObject({ outcome: 'error', errorCode: 'noRoute' });
    expect(r.error).toMatch(/no healthy node has llama3\.2/);
  });

  it('answers a question with images with an installed vision model when the default vision model is missing', async () => {
    const node = await ollama({ models: ['qwen3:8b', 'llava:7b'], show: { ...QWEN3, 'llava:7b': { capabilities: ['completion', 'vision'] } }, reply: () => 'The screenshot shows a TypeError on line 3.' });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const r = await result(ask(input({ question: 'what does this show?', images: [{ mimeType: 'image/png', base64: png }] }), deps));
    expect(r.meta?.model).toBe('llava:7b');
  });
});

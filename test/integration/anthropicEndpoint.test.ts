// The Anthropic Messages API on the endpoint, spoken to by the real `@anthropic-ai/sdk` client (what Claude
// Code is built on) and by fetch where the exact bytes matter; answers come from a fake Ollama node and the
// fake OpenAI-compatible cloud through the same pipeline as the OpenAI side.
import { afterEach, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { startProxy, type RunningProxy } from '../../src/core/proxy/server';
import { silentLogger } from '../../src/core/log';
import type { FakeServer } from '../fixtures';
import type { ChatRequestView } from '../fixtures/fakeServer';
import { SECRET_CORPUS } from '../fixtures/secretCorpus';
import { chats, cloud, cloudOf, nodeOf, ollama, setup } from './support';

const KEY = 'sk-singularity-test-key-0123456789';
const proxies: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

type World = Awaited<ReturnType<typeof setup>>;

/** The endpoint, its origin (Anthropic clients append /v1/messages to the base URL) and an SDK client on it. */
async function serve(w: World, auth: { apiKey?: string; authToken?: string } = { apiKey: KEY }) {
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: KEY, allowRemote: false, deps: () => w.deps, log: silentLogger });
  proxies.push(proxy);
  const base = new URL(proxy.url).origin;
  return { proxy, base, client: new Anthropic({ baseURL: base, apiKey: auth.apiKey ?? null, authToken: auth.authToken ?? null, maxRetries: 0 }) };
}

async function nodeWorld(reply = 'alpha beta gamma') {
  const node = await ollama({ reply: () => reply });
  const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
  return { ...w, node };
}

const hi = { model: 'singularity/auto', max_tokens: 256, messages: [{ role: 'user' as const, content: 'hi' }] };

/** A raw POST, for bodies the SDK's types would not let through and for the exact SSE bytes. */
const post = (base: string, path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': KEY }) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(body) });

const sentTo = (node: FakeServer) =>
  chats(node).map((c) => c.body as { messages: { role: string; content: string; images?: string[] }[] });

describe('Anthropic Messages endpoint: answers', () => {
  it('answers messages.create from a node as one message: a text block, end_turn, usage', async () => {
    const w = await nodeWorld('a whole answer');
    const { client } = await serve(w);
    const m = await client.messages.create(hi);
    expect(m).toMatchObject({ type: 'message', role: 'assistant', model: 'singularity/auto', content: [{ type: 'text', text: 'a whole answer' }], stop_reason: 'end_turn', stop_sequence: null });
    expect(m.id).toMatch(/^msg_/);
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(m.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams from a node in Anthropic\'s event order, and the SDK\'s finalMessage assembles the text', async () => {
    const w = await nodeWorld('alpha beta gamma');
    const { client } = await serve(w);
    const types: string[] = [];
    for await (const e of await client.messages.create({ ...hi, stream: true })) types.push(e.type === 'content_block_delta' ? `${e.type}:${e.delta.type}` : e.type);
    const deltas = types.filter((t) => t === 'content_block_delta:text_delta').length;
    expect(deltas).toBeGreaterThan(1);
    expect(types).toEqual(['message_start', 'content_block_start', ...Array(deltas).fill('content_block_delta:text_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    const final = await client.messages.stream(hi).finalMessage();
    expect(final).toMatchObject({ content: [{ type: 'text', text: 'alpha beta gamma' }], stop_reason: 'end_turn' });
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('answers from the cloud streamed and not, for a named cloud model', async () => {
    const api = await cloud({ reply: () => 'from the cloud' });
    const w = await setup({ nodes: [], cloudProviders: [cloudOf(api, 'team')] });
    const { client } = await serve(w);
    const whole = await client.messages.create({ ...hi, model: 'team/gpt-test' });
    expect(whole).toMatchObject({ model: 'team/gpt-test', content: [{ type: 'text', text: 'from the cloud' }], stop_reason: 'end_turn' });
    const streamed = await client.messages.stream({ ...hi, model: 'team/gpt-test' }).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'from the cloud' }]);
    expect(api.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('writes the exact SSE bytes: named events whose data repeats the type, a ping after message_start', async () => {
    const w = await nodeWorld('one two');
    const { base } = await serve(w);
    const res = await post(base, '/v1/messages', { ...hi, stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-singularity-route')).toBe('local');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    for (const e of events) {
      const [event, data] = e.split('\n');
      expect(JSON.parse(data!.slice('data: '.length)).type).toBe(event!.slice('event: '.length));
    }
    expect(events[1]).toBe('event: ping\ndata: {"type":"ping"}');
    expect(events.at(-1)).toBe('event: message_stop\ndata: {"type":"message_stop"}');
  });

  it('serves /v1/messages?beta=true, as Claude Code calls it, with any anthropic-version and anthropic-beta', async () => {
    const w = await nodeWorld('ok');
    const { base } = await serve(w);
    const res = await post(base, '/v1/messages?beta=true', hi, { authorization: `Bearer ${KEY}`, 'anthropic-version': '2099-01-01', 'anthropic-beta': 'whatever-2025' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'ok' }] });
  });

  it('lists the models in Anthropic\'s shape for the Anthropic SDK (models.list), the same catalog as /v1/models', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'qwen2.5-coder:7b'] });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const models: Anthropic.ModelInfo[] = [];
    for await (const m of client.models.list()) models.push(m);
    expect(models.map((m) => m.id)).toEqual(['singularity/auto', 'llama3.2:latest', 'qwen2.5-coder:7b']);
    expect(models[0]).toMatchObject({ type: 'model', display_name: 'singularity/auto' });
  });

  it('takes the system prompt as a string or as text blocks, in place of Singularity\'s', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    await client.messages.create({ ...hi, system: 'Be terse.' });
    await client.messages.create({ ...hi, system: [{ type: 'text', text: 'Be terse.' }, { type: 'text', text: 'Answer in English.' }] });
    const [first, second] = sentTo(w.node);
    expect(first!.messages[0]).toEqual({ role: 'system', content: 'Be terse.' });
    expect(second!.messages[0]).toEqual({ role: 'system', content: 'Be terse.\n\nAnswer in English.' });
  });

  it('passes an image block\'s base64 bytes to the node with the question', async () => {
    const node = await ollama({ models: ['moondream:latest'], reply: () => 'a cat' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const m = await client.messages.create({
      ...hi,
      model: 'moondream',
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, { type: 'text', text: 'What is this?' }] }],
    });
    expect(m.content).toEqual([{ type: 'text', text: 'a cat' }]);
    expect(sentTo(node)[0]!.messages.at(-1)).toMatchObject({ role: 'user', content: 'What is this?', images: [png] });
  });

  it('streams a thinking model\'s reasoning as a thinking block before the text block', async () => {
    const node = await ollama({ models: ['qwen3:8b'], show: { 'qwen3:8b': { capabilities: ['completion', 'thinking'] } }, thinking: () => 'think first', reply: () => 'then answer' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const streamed = await client.messages.stream({ ...hi, model: 'qwen3:8b' }).finalMessage();
    expect(streamed.content).toEqual([{ type: 'thinking', thinking: 'think first', signature: '' }, { type: 'text', text: 'then answer' }]);
    const whole = await client.messages.create({ ...hi, model: 'qwen3:8b' });
    expect(whole.content).toEqual(streamed.content);
  });

  it('counts a prompt\'s tokens with the pipeline\'s estimate', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    const { input_tokens } = await client.messages.countTokens({ model: 'singularity/auto', system: 'Be terse.', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    expect(input_tokens).toBe(Math.ceil(('Be terse.\n' + 'x'.repeat(400)).length / 4));
    expect(chats(w.node)).toHaveLength(0);
  });

  it('accepts the key as x-api-key (apiKey) and as a bearer token (authToken, as ANTHROPIC_AUTH_TOKEN sets it)', async () => {
    const w = await nodeWorld('ok');
    const viaHeader = (await serve(w, { apiKey: KEY })).client;
    const viaBearer = (await serve(w, { authToken: KEY })).client;
    expect((await viaHeader.messages.create(hi)).content).toEqual([{ type: 'text', text: 'ok' }]);
    expect((await viaBearer.messages.create(hi)).content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('aborts the upstream request when the client leaves mid-stream, and records it as cancelled', async () => {
    const node = await ollama({ tokensPerSecond: 20, reply: () => Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ') });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const stream = client.messages.stream(hi);
    const disconnected = node.nextDisconnect();
    let deltas = 0;
    stream.on('text', () => {
      if (++deltas === 3) stream.abort();
    });
    await expect(stream.done()).rejects.toThrow();
    await disconnected;
    await expect.poll(async () => (await w.requests.store.query<{ outcome: string }>('SELECT outcome FROM requests'))[0]?.outcome).toBe('cancelled');
  });

  it('takes the key from either header when a client sends both (a real ANTHROPIC_API_KEY beside the endpoint\'s token)', async () => {
    const w = await nodeWorld('ok');
    const { base } = await serve(w);
    const res = await post(base, '/v1/messages', hi, { 'x-api-key': 'sk-ant-a-real-anthropic-key', authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: [{ type: 'text', text: 'ok' }] });
  });

  it('ends a stream whose node dies mid-answer with an error event the SDK raises', async () => {
    const node = await ollama({ fault: { kind: 'dropMidStream', afterTokens: 3 } });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    let text = '';
    await expect(
      (async () => {
        for await (const e of await client.messages.create({ ...hi, stream: true })) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      })(),
    ).rejects.toThrow(/cut off/);
    expect(text.length).toBeGreaterThan(0);
  });
});

describe('Anthropic Messages endpoint: the same privacy and recording as the OpenAI side', () => {
  it('takes secrets out of system blocks and tool results before the cloud, and records the request as the endpoint\'s', async () => {
    const api = await cloud({ reply: () => 'done' });
    const w = await setup({ cloudProviders: [cloudOf(api, 'team')] });
    const { client } = await serve(w);
    const [system, result] = [SECRET_CORPUS.slice(0, 25), SECRET_CORPUS.slice(25)].map((part) => part.map((s) => s.text).join('\n'));
    await client.messages.create({
      ...hi,
      model: 'team/gpt-test',
      system: [{ type: 'text', text: system! }],
      tools: [{ name: 'read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Deploy it.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: '.env.example' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result! }] },
      ],
    });
    const sent = JSON.stringify(api.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body);
    expect(SECRET_CORPUS.filter((s) => sent.includes(JSON.stringify(s.secret).slice(1, -1))).map((s) => s.secret)).toEqual([]);
    expect(await w.requests.store.query<{ source: string; route: string; outcome: string }>('SELECT source, route, outcome FROM requests')).toEqual([{ source: 'proxy', route: 'cloud', outcome: 'ok' }]);
  });

  it('answers 503 when only the cloud could answer and the workspace is local-only, and sends nothing', async () => {
    const api = await cloud();
    const w = await setup({ nodes: [], cloudProviders: [cloudOf(api)], privacy: { localOnly: true, neverSend: [] } });
    const { client } = await serve(w);
    await expect(client.messages.create(hi)).rejects.toMatchObject({ status: 503, type: 'api_error', message: expect.stringMatching(/Local-only mode/) });
    expect(api.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(0);
  });
});

describe('Anthropic Messages endpoint: errors in Anthropic\'s shape', () => {
  it('refuses a wrong key with 401 authentication_error', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w, { apiKey: 'sk-wrong' });
    await expect(client.messages.create(hi)).rejects.toMatchObject({ status: 401, type: 'authentication_error' });
    expect(chats(w.node)).toHaveLength(0);
  });

  it('answers an Anthropic client\'s wrong key on /v1/models in Anthropic\'s shape too', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w, { apiKey: 'sk-wrong' });
    await expect(client.models.list()).rejects.toMatchObject({ status: 401, type: 'authentication_error' });
  });

  it('requires max_tokens, as Anthropic does', async () => {
    const w = await nodeWorld();
    const { base } = await serve(w);
    const res = await post(base, '/v1/messages', { model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: .*required/) } });
  });

  it('refuses a tool whose input_schema is not an object schema', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    const tools = [{ name: 'read', input_schema: { type: 'string' } }] as unknown as Anthropic.Tool[];
    await expect(client.messages.create({ ...hi, tools })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error', error: { error: { message: expect.stringMatching(/^tools\[0\]\.input_schema: .*"type": "object"/) } } });
  });

  it('refuses a tool_result without a tool_use before it, and one whose id matches no call', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    const result = (id: string) => ({ role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: id, content: '42' }] });
    await expect(client.messages.create({ ...hi, messages: [result('toolu_1')] })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/previous message has none/) });
    const called = { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_1', name: 'read', input: { path: 'a.ts' } }] };
    await expect(client.messages.create({ ...hi, messages: [{ role: 'user', content: 'go' }, called, result('toolu_2')] })).rejects.toMatchObject({
      status: 400,
      error: { error: { message: expect.stringMatching(/"toolu_2" matches no tool_use block .*toolu_1/) } },
    });
    expect(chats(w.node)).toHaveLength(0);
  });

  it('answers 404 not_found_error for a model that is not served', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    await expect(client.messages.create({ ...hi, model: 'claude-opus-9' })).rejects.toMatchObject({ status: 404, type: 'not_found_error', message: expect.stringMatching(/singularity\/auto/) });
  });

  it('refuses URL image sources instead of fetching them', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    await expect(
      client.messages.create({ ...hi, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://169.254.169.254/latest' } }] }] }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/messages\[0\]\.content\[0\]\.source: Only base64/) });
  });

  it('answers 503 api_error with the reason when nothing can answer, before any stream starts', async () => {
    const w = await setup({ nodes: [] });
    const { client } = await serve(w);
    await expect(client.messages.create({ ...hi, stream: true })).rejects.toMatchObject({ status: 503, type: 'api_error' });
  });

  it('answers an unknown path under /v1/messages with a 404 in Anthropic\'s shape', async () => {
    const w = await nodeWorld();
    const { base } = await serve(w);
    const res = await post(base, '/v1/messages/batches', {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('Anthropic Messages endpoint: an agent\'s tool loop', () => {
  const tools: Anthropic.Tool[] = [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }];
  /** A model that reads a.ts first, then answers from what the tool returned. */
  const agent = {
    toolCalls: (req: ChatRequestView) => (req.messages.at(-1)?.role === 'tool' ? undefined : [{ name: 'read', arguments: { path: 'a.ts' } }]),
    reply: (req: ChatRequestView) => (req.messages.at(-1)?.role === 'tool' ? `a.ts says: ${req.messages.at(-1)!.content}` : ''),
  };

  async function nodeAgent() {
    const node = await ollama({ ...agent, show: { 'llama3.2:latest': { capabilities: ['completion', 'tools'] } } });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    return { w, model: 'singularity/auto', received: () => chats(node).map((c) => c.body as { messages: Record<string, unknown>[]; tools?: unknown[] }) };
  }

  async function cloudAgent() {
    const api = await cloud(agent);
    const w = await setup({ nodes: [], cloudProviders: [cloudOf(api, 'team')] });
    const received = () => api.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as { messages: Record<string, unknown>[]; tools?: unknown[] });
    return { w, model: 'team/gpt-test', received };
  }

  it.each([
    ['a node', nodeAgent, false],
    ['a node', nodeAgent, true],
    ['the cloud', cloudAgent, false],
    ['the cloud', cloudAgent, true],
  ] as const)('runs tool_use -> tool_result -> answer against %s (streamed: %s)', async (_, world, streamed) => {
    const { w, model, received } = await world();
    const { client } = await serve(w);
    const send = (messages: Anthropic.MessageParam[]) => (streamed ? client.messages.stream({ model, max_tokens: 256, tools, messages }).finalMessage() : client.messages.create({ model, max_tokens: 256, tools, messages }));
    const question: Anthropic.MessageParam = { role: 'user', content: 'What does a.ts export?' };

    const first = await send([question]);
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ type: 'tool_use', name: 'read', input: { path: 'a.ts' } });
    expect(use!.id).toBeTruthy();

    const second = await send([question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'export const a = 1;' }] }]);
    expect(second).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'a.ts says: export const a = 1;' }] });

    const [asked, answered] = received();
    expect(asked!.tools).toHaveLength(1);
    expect(answered!.messages.at(-1)).toMatchObject({ role: 'tool', content: 'export const a = 1;' });
    expect(answered!.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [expect.objectContaining({ function: expect.objectContaining({ name: 'read' }) })] });
  });

  it('refuses tools for a named node model without the tools capability, in Anthropic\'s shape', async () => {
    const node = await ollama({ show: { 'llama3.2:latest': { capabilities: ['completion'] } } });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    await expect(client.messages.create({ ...hi, model: 'llama3.2', tools })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error', message: expect.stringMatching(/does not support tools/) });
    expect(chats(node)).toHaveLength(0);
  });

  it('answers 400 when the node calls a tool with arguments that are not JSON', async () => {
    const node = await ollama({ toolCalls: () => [{ name: 'read', arguments: '{"path": ' }], show: { 'llama3.2:latest': { capabilities: ['completion', 'tools'] } } });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    await expect(client.messages.create({ ...hi, tools })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error', message: expect.stringMatching(/not a JSON object/) });
  });

  it('streams a call as content_block_start (tool_use, empty input), input_json_delta pieces, content_block_stop, then stop_reason tool_use', async () => {
    const { w, model } = await nodeAgent();
    const { client } = await serve(w);
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of await client.messages.create({ model, max_tokens: 256, tools, stream: true, messages: [{ role: 'user', content: 'read it' }] })) events.push(e);
    const start = events.find((e) => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
    expect(start).toMatchObject({ content_block: { type: 'tool_use', name: 'read', input: {} } });
    const json = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : [])).join('');
    expect(JSON.parse(json)).toEqual({ path: 'a.ts' });
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { startProxy, type RunningProxy } from '../../src/core/proxy/server';
import { silentLogger, type Logger } from '../../src/core/log';
import { chats, cloud, cloudOf, nodeOf, ollama, setup } from './support';

const KEY = 'sk-singularity-test-key-0123456789';
const proxies: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function serve(w: Awaited<ReturnType<typeof setup>>, over: { host?: string; allowRemote?: boolean } = {}) {
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: KEY, allowRemote: false, deps: () => w.deps, log: silentLogger, ...over });
  proxies.push(proxy);
  return { proxy, client: new OpenAI({ baseURL: proxy.url, apiKey: KEY, maxRetries: 0 }) };
}

async function nodeWorld(reply = 'alpha beta gamma') {
  const node = await ollama({ reply: () => reply });
  const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
  return { ...w, node };
}

describe('OpenAI-compatible endpoint', () => {
  it('lists the routed model, every node model and every cloud model', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'qwen2.5-coder:7b'] });
    const api = await cloud();
    const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api, 'team')] });
    const { client } = await serve(w);
    const ids = [];
    for await (const m of (await client.models.list())) ids.push(m.id);
    expect(ids).toEqual(['singularity/auto', 'llama3.2:latest', 'qwen2.5-coder:7b', 'team/gpt-test']);
  });

  it('streams in OpenAI chunk format: a role delta, content deltas, finish_reason, usage when asked, [DONE]', async () => {
    const w = await nodeWorld('alpha beta gamma');
    const { client } = await serve(w);
    const stream = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('alpha beta gamma');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('streams a thinking model\'s reasoning as reasoning_content deltas before the content, and returns it beside the answer', async () => {
    const node = await ollama({ models: ['qwen3:8b'], show: { 'qwen3:8b': { capabilities: ['completion', 'thinking'] } }, thinking: () => 'think first', reply: () => 'then answer' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const stream = await client.chat.completions.create({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const deltas: { content?: string | null; reasoning_content?: string }[] = [];
    for await (const c of stream) if (c.choices[0]) deltas.push(c.choices[0].delta as (typeof deltas)[number]);
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('think first');
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('then answer');
    const lastReasoning = deltas.map((d) => !!d.reasoning_content).lastIndexOf(true);
    const firstContent = deltas.findIndex((d) => d.content);
    expect(lastReasoning).toBeLessThan(firstContent);
    const whole = await client.chat.completions.create({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.choices[0]!.message).toMatchObject({ content: 'then answer', reasoning_content: 'think first' });
  });

  it('routes singularity/auto to the model the node has when the default is not installed', async () => {
    const node = await ollama({ models: ['qwen3:8b'], show: { 'qwen3:8b': { capabilities: ['completion'] } }, reply: () => 'from qwen3' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('from qwen3');
  });

  it('writes the exact SSE bytes: data lines, blank-line separated, ending in data: [DONE]', async () => {
    const w = await nodeWorld('one two');
    const { proxy } = await serve(w);
    const res = await fetch(`${proxy.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-singularity-route')).toBe('local');
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    for (const event of text.split('\n\n').filter(Boolean)) expect(event).toMatch(/^data: /);
  });

  it('answers without streaming as one chat.completion with usage', async () => {
    const w = await nodeWorld('a whole answer');
    const { client } = await serve(w);
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }] });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'a whole answer' });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    // The client's system prompt replaces Singularity's.
    expect((chats(w.node)[0]!.body as { messages: { role: string; content: string }[] }).messages[0]).toEqual({ role: 'system', content: 'Be terse.' });
  });

  it('sends a named node model to a node that has it, and a named cloud model to that provider', async () => {
    const node = await ollama({ models: ['llama3.2:latest', 'qwen2.5-coder:7b'], reply: () => 'from the node' });
    const api = await cloud({ reply: () => 'from the cloud' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api, 'team')] });
    const { client } = await serve(w);
    const local = await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'x' }] });
    expect(local.choices[0]!.message.content).toBe('from the node');
    expect((chats(node)[0]!.body as { model: string }).model).toBe('qwen2.5-coder:7b');
    const remote = await client.chat.completions.create({ model: 'team/gpt-test', messages: [{ role: 'user', content: 'x' }] });
    expect(remote.choices[0]!.message.content).toBe('from the cloud');
  });

  it('refuses a request without the key, or with a wrong one, in OpenAI error format', async () => {
    const w = await nodeWorld();
    const { proxy } = await serve(w);
    const wrong = new OpenAI({ baseURL: proxy.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const none = await fetch(`${proxy.url}/models`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { type: 'authentication_error' } });
    expect(chats(w.node)).toHaveLength(0);
  });

  it('aborts the upstream request when the client disconnects', async () => {
    const node = await ollama({ tokensPerSecond: 20, reply: () => Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ') });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'long' }], stream: true }, { signal: controller.signal });
    const disconnected = node.nextDisconnect();
    let n = 0;
    // The openai client ends an aborted stream quietly; what matters is what the node sees.
    for await (const _ of stream) if (++n === 3) controller.abort();
    await disconnected;
    await expect.poll(async () => (await w.requests.store.query<{ outcome: string }>('SELECT outcome FROM requests'))[0]?.outcome).toBe('cancelled');
  });

  it('passes image_url parts (data: URLs) to the node as images', async () => {
    const node = await ollama({ models: ['moondream:latest'], reply: () => 'a cat' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const r = await client.chat.completions.create({
      model: 'moondream',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect(r.choices[0]!.message.content).toBe('a cat');
    const sent = (chats(node)[0]!.body as { messages: { content: string; images?: string[] }[] }).messages.at(-1)!;
    expect(sent).toMatchObject({ content: 'What is this?', images: [png] });
  });

  it('refuses remote image URLs instead of fetching them', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    await expect(
      client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest' } }] }] }),
    ).rejects.toMatchObject({ status: 400, param: 'messages[0].content[0].image_url' });
  });

  it('says which model names exist when an unknown one is asked for', async () => {
    const w = await nodeWorld();
    const { client } = await serve(w);
    await expect(client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('answers 503 with the reason when nothing can answer, before any stream starts', async () => {
    const w = await setup({ nodes: [] });
    const { client } = await serve(w);
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }], stream: true })).rejects.toMatchObject({ status: 503 });
  });

  it('answers 503 when only the cloud could answer and the workspace is local-only', async () => {
    const api = await cloud();
    const w = await setup({ nodes: [], cloudProviders: [cloudOf(api)], privacy: { localOnly: true, neverSend: [] } });
    const { client } = await serve(w);
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/Local-only mode/) });
    expect(api.requests).toHaveLength(0);
  });

  it('ends a stream whose node dies mid-answer with an error event the client raises', async () => {
    const node = await ollama({ fault: { kind: 'dropMidStream', afterTokens: 3 } });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    const stream = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    await expect(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      })(),
    ).rejects.toThrow(/cut off/);
    expect(text.length).toBeGreaterThan(0);
  });

  it('rejects malformed requests with the parameter at fault', async () => {
    const w = await nodeWorld();
    const { client, proxy } = await serve(w);
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [] })).rejects.toMatchObject({ status: 400, param: 'messages' });
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'assistant', content: 'x' }] })).rejects.toMatchObject({ status: 400 });
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }], temperature: 7 })).rejects.toMatchObject({ param: 'temperature' });
    const res = await fetch(`${proxy.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: '{not json' });
    expect(res.status).toBe(400);
  });

  it('refuses to listen beyond loopback unless remote access is allowed', async () => {
    const w = await nodeWorld();
    await expect(serve(w, { host: '0.0.0.0' })).rejects.toThrow(/only loopback/);
  });

  it('streams to curl -N as it would from OpenAI', async () => {
    const w = await nodeWorld('through curl');
    const { proxy } = await serve(w);
    const body = JSON.stringify({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { stdout } = await promisify(execFile)('curl', ['-sS', '-N', `${proxy.url}/chat/completions`, '-H', `Authorization: Bearer ${KEY}`, '-H', 'Content-Type: application/json', '-d', body]);
    const events = stdout.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const text = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)).choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('through curl');
  });

  it('serves no files: a path-traversal attempt gets a 404 in JSON', async () => {
    const w = await nodeWorld();
    const { proxy } = await serve(w);
    const origin = new URL(proxy.url).origin;
    for (const path of ['/v1/../../../../etc/passwd', '/v1/%2e%2e/%2e%2e/etc/passwd', '/../package.json']) {
      const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toMatch(/root:|"name":/);
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'not_found_error' } });
    }
  });

  it('refuses a body over the size limit with 413 before reading it all', async () => {
    const w = await nodeWorld();
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: KEY, allowRemote: false, deps: () => w.deps, log: silentLogger, maxBodyBytes: 1024 });
    proxies.push(proxy);
    const client = new OpenAI({ baseURL: proxy.url, apiKey: KEY, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x'.repeat(4096) }] })).rejects.toMatchObject({ status: 413 });
    expect(chats(w.node)).toHaveLength(0);
  });

  it('passes an upstream 429 on as 429 rate_limit_error with its Retry-After', async () => {
    const api = await cloud({ fault: { kind: 'http429', retryAfterSeconds: 60 } });
    const w = await setup({ nodes: [], cloudProviders: [cloudOf(api)] });
    const { proxy } = await serve(w);
    const res = await fetch(`${proxy.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringMatching(/Retry after 60 s/) } });
  });

  it('answers 503 service_unavailable, not 502, when the only node cannot be reached', async () => {
    const node = await ollama();
    const w = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const { client } = await serve(w);
    node.failNext({ kind: 'dropMidStream', afterTokens: 0 });
    await expect(client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 503, type: 'service_unavailable', code: 'upstream_unreachable' });
  });

  it('logs a client that leaves mid-upload as one info line, not an internal error', async () => {
    const w = await nodeWorld();
    const lines: string[] = [];
    let logged!: () => void;
    const first = new Promise<void>((resolve) => (logged = resolve));
    const record = (level: string) => (m: string) => {
      lines.push(`${level} ${m}`);
      logged();
    };
    const log: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: KEY, allowRemote: false, deps: () => w.deps, log });
    proxies.push(proxy);
    const upload = request(`${proxy.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-length': '100000' } });
    upload.on('error', () => {});
    upload.write('{"model": "singularity/auto", "messages": [', () => upload.destroy());
    await first;
    expect(lines).toEqual(['info Endpoint: the client left before sending its whole request (POST /v1/chat/completions).']);
  });
});

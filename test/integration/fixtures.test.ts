// Specifications of the fake Ollama / OpenAI servers, driven through the real client libraries,
// so that what the fakes do (and what the clients make of it) is pinned down in one place.

import { Ollama, type ChatResponse } from 'ollama';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultReply, startFakeOllama, startFakeOpenAI, tokenize, type FakeServer } from '../fixtures';

const FAST = 100_000; // tokens per second where timing is not the point
const REPLY = 'Hello from the fake. It streams word by word.\n\n```ts\nconst x = 1;\n```\n';
const fixedReply = () => REPLY;
const user = (content: string) => [{ role: 'user' as const, content }];

/** Collects a streamed Ollama chat, keeping whatever text arrived before an error. */
async function collectOllama(stream: AsyncIterable<ChatResponse>) {
  const parts: ChatResponse[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, text: parts.map((p) => p.message.content).join(''), error: undefined as unknown };
  } catch (error) {
    return { parts, text: parts.map((p) => p.message.content).join(''), error };
  }
}

/** Collects a streamed OpenAI completion, keeping whatever text arrived before an error. */
async function collectOpenAI(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  const text = () => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, text: text(), error: undefined as unknown };
  } catch (error) {
    return { chunks, text: text(), error };
  }
}

/** An Ollama client whose requests can be aborted even before response headers arrive. */
function abortableOllama(host: string, signal: AbortSignal): Ollama {
  return new Ollama({
    host,
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
  });
}

describe('tokenize and the default reply', () => {
  it('tokens concatenate back to the exact text', () => {
    const text = '  Hello,  world!\n\n```ts\nconst a = 1;\n```\n  ';
    expect(tokenize(text).join('')).toBe(text);
    expect(tokenize('one two three')).toEqual(['one', ' two', ' three']);
  });

  it('the default reply is labelled as simulated and carries a Markdown list and a ts code block', () => {
    const reply = defaultReply({ model: 'llama3.2', messages: user('How do I sort an array?') }, 'simulated node alpha');
    expect(reply).toMatch(/^\[simulated node alpha\] You asked: How do I sort an array\?/);
    expect(reply).toContain('simulated model');
    expect(reply).toMatch(/^- /m);
    expect(reply).toMatch(/```ts\n[\s\S]+\n```$/);
  });

  it('the default reply quotes at most 80 characters of the question', () => {
    const reply = defaultReply({ model: 'm', messages: user('x'.repeat(200)) });
    expect(reply).toContain(`You asked: ${'x'.repeat(80)}…`);
    expect(reply).not.toContain('x'.repeat(81));
  });
});

describe('fake Ollama through the ollama package', () => {
  let server: FakeServer;
  let ollama: Ollama;

  beforeEach(async () => {
    server = await startFakeOllama({ tokensPerSecond: FAST, label: 'simulated node alpha' });
    ollama = new Ollama({ host: server.url });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server.close();
  });

  it('reports its version', async () => {
    expect(await ollama.version()).toEqual({ version: '0.12.0' });
  });

  it('lists the configured models with tags and details', async () => {
    server.setOptions({ models: ['llama3.2', 'qwen2.5-coder:7b'] });
    const { models } = await ollama.list();
    expect(models.map((m) => m.name)).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
    expect(models[1]).toMatchObject({
      model: 'qwen2.5-coder:7b',
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: { format: 'gguf', family: 'qwen', parameter_size: '7B', quantization_level: 'Q4_K_M' },
    });
  });

  it('streams a chat whose text equals the reply', async () => {
    server.setOptions({ reply: fixedReply });
    const { parts, text, error } = await collectOllama(
      await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: true }),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(REPLY);
    expect(parts.length).toBe(tokenize(REPLY).length + 1);
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: tokenize(REPLY).length });
    expect(parts.at(-1)!.total_duration).toBeGreaterThan(0);
  });

  it('streams the labelled default reply when no reply is configured', async () => {
    const { text } = await collectOllama(
      await ollama.chat({ model: 'llama3.2', messages: user('What is a monad?'), stream: true }),
    );
    expect(text).toBe(defaultReply({ model: 'llama3.2', messages: user('What is a monad?') }, 'simulated node alpha'));
  });

  it('treats "llama3.2" and "llama3.2:latest" as the same model', async () => {
    server.setOptions({ reply: fixedReply });
    const a = await ollama.chat({ model: 'llama3.2', messages: user('hi') });
    const b = await ollama.chat({ model: 'llama3.2:latest', messages: user('hi') });
    expect([a.message.content, b.message.content]).toEqual([REPLY, REPLY]);
  });

  it('answers stream: false with one JSON object carrying the whole reply and the stats', async () => {
    server.setOptions({ reply: fixedReply });
    const res = await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: false });
    expect(res).toMatchObject({ model: 'llama3.2', message: { role: 'assistant', content: REPLY }, done: true });
    expect(res.prompt_eval_count).toBeGreaterThan(0);
    expect(res.eval_duration).toBeGreaterThan(0);
  });

  it('streams /api/generate with `response` instead of `message`', async () => {
    server.setOptions({ reply: fixedReply });
    const parts = [];
    for await (const p of await ollama.generate({ model: 'llama3.2', prompt: 'hi', stream: true })) parts.push(p);
    expect(parts.map((p) => p.response).join('')).toBe(REPLY);
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
  });

  it('lists a model in /api/ps only after it served a request', async () => {
    expect((await ollama.ps()).models).toEqual([]);
    await ollama.chat({ model: 'llama3.2', messages: user('hi') });
    const { models } = await ollama.ps();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: 'llama3.2:latest', size_vram: expect.any(Number), context_length: 4096 });
    expect(new Date(models[0].expires_at).getTime()).toBeGreaterThan(Date.now());
  });

  it('embeds a string or an array into deterministic unit vectors', async () => {
    const one = await ollama.embed({ model: 'llama3.2', input: 'alpha' });
    const many = await ollama.embed({ model: 'llama3.2', input: ['alpha', 'beta'] });
    expect(one.embeddings).toHaveLength(1);
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[0]).toEqual(one.embeddings[0]);
    expect(many.embeddings[1]).not.toEqual(many.embeddings[0]);
    expect(Math.hypot(...one.embeddings[0])).toBeCloseTo(1, 6);
  });

  it('delivers tokens incrementally at the configured speed', async () => {
    const reply = 'one two three four five six';
    server.setOptions({ tokensPerSecond: 50, reply: () => reply }); // 20 ms per token
    const stamps: number[] = [];
    let text = '';
    for await (const p of await ollama.chat({ model: 'llama3.2', messages: user('count'), stream: true })) {
      stamps.push(performance.now());
      text += p.message.content;
    }
    expect(text).toBe(reply);
    // 6 tokens at 20 ms apart: the first must come well before the last (>= 5 intervals, minus slack).
    expect(stamps.at(-1)! - stamps[0]).toBeGreaterThanOrEqual(80);
  });

  it('waits latencyMs before the first token', async () => {
    server.setOptions({ latencyMs: 100, reply: () => 'hi' });
    const sent = performance.now();
    const stream = await ollama.chat({ model: 'llama3.2', messages: user('x'), stream: true });
    for await (const _ of stream) break;
    expect(performance.now() - sent).toBeGreaterThanOrEqual(95);
  });

  it('slowDrip puts its delay between every token, whatever tokensPerSecond says', async () => {
    server.setOptions({ reply: () => 'a b c d' });
    server.failNext({ kind: 'slowDrip', delayMs: 30 });
    const stamps: number[] = [];
    for await (const _ of await ollama.chat({ model: 'llama3.2', messages: user('x'), stream: true })) {
      stamps.push(performance.now());
    }
    expect(stamps.at(-2)! - stamps[0]).toBeGreaterThanOrEqual(80); // 3 gaps of 30 ms between 4 tokens
  });

  it('stream.abort() disconnects and the server records the request as aborted', async () => {
    server.setOptions({ tokensPerSecond: 20 });
    const disconnected = server.nextDisconnect();
    const stream = await ollama.chat({ model: 'llama3.2', messages: user('long answer'), stream: true });
    const seen: string[] = [];
    const result = (async () => {
      for await (const p of stream) {
        seen.push(p.message.content);
        stream.abort();
      }
    })();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    const record = await disconnected;
    expect(record).toMatchObject({ path: '/api/chat', aborted: true, completed: false });
    expect(seen).toHaveLength(1);
  });

  it('http500 surfaces as ResponseError with status_code 500 and Ollama\'s error text', async () => {
    server.failNext({ kind: 'http500' });
    const err = await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: true }).catch((e) => e);
    expect(err).toMatchObject({ name: 'ResponseError', status_code: 500, error: expect.stringContaining('simulated fault') });
  });

  it('failNext applies to the next chat request only', async () => {
    server.failNext({ kind: 'http500' });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('hi') })).rejects.toMatchObject({ status_code: 500 });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('hi') })).resolves.toMatchObject({ done: true });
  });

  it('a fault set in options applies to every chat request until changed', async () => {
    server.setOptions({ fault: { kind: 'http500' } });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('a') })).rejects.toMatchObject({ status_code: 500 });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('b') })).rejects.toMatchObject({ status_code: 500 });
    server.setOptions({ fault: { kind: 'none' } });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('c') })).resolves.toMatchObject({ done: true });
  });

  it('http429 answers 429 with a Retry-After header (ollama-js exposes only status_code)', async () => {
    server.failNext({ kind: 'http429', retryAfterSeconds: 7 });
    const raw = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', messages: user('hi') }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toEqual({ error: expect.any(String) });

    server.failNext({ kind: 'http429', retryAfterSeconds: 7 });
    await expect(ollama.chat({ model: 'llama3.2', messages: user('hi') })).rejects.toMatchObject({ status_code: 429 });
  });

  it('dropMidStream: iteration throws (undici "terminated") after the first N tokens', async () => {
    server.setOptions({ reply: fixedReply });
    server.failNext({ kind: 'dropMidStream', afterTokens: 3 });
    const { text, error } = await collectOllama(
      await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: true }),
    );
    expect(text).toBe(tokenize(REPLY).slice(0, 3).join(''));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  });

  it('malformedLine: ollama-js warns "invalid json" and skips the line; the text is intact', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    server.setOptions({ reply: fixedReply });
    server.failNext({ kind: 'malformedLine', afterTokens: 2 });
    const { text, error } = await collectOllama(
      await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: true }),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(REPLY);
    expect(warn).toHaveBeenCalledWith('invalid json: ', expect.stringContaining('not JSON'));
  });

  it('hang: no headers ever arrive, so ending it takes an abort signal given to fetch (stream.abort() needs a response first)', async () => {
    server.failNext({ kind: 'hang' });
    const controller = new AbortController();
    const client = abortableOllama(server.url, controller.signal);
    const arrived = server.nextRequest();
    const disconnected = server.nextDisconnect();
    const pending = client.chat({ model: 'llama3.2', messages: user('hi'), stream: true });
    await arrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(await disconnected).toMatchObject({ aborted: true, completed: false });
  });

  it('an unknown model is a 404 with Ollama\'s "try pulling it first" message', async () => {
    const err = await ollama.chat({ model: 'nope', messages: user('hi'), stream: true }).catch((e) => e);
    expect(err).toMatchObject({ name: 'ResponseError', status_code: 404, error: 'model "nope" not found, try pulling it first' });
    await expect(ollama.embed({ model: 'nope', input: 'x' })).rejects.toMatchObject({ status_code: 404 });
  });

  const weatherTool = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

  it('streams a model\'s tool calls in one chunk with message.tool_calls (arguments as an object), then done_reason "stop"', async () => {
    server.setOptions({ show: { 'llama3.2:latest': { capabilities: ['completion', 'tools'] } }, toolCalls: () => [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const { parts } = await collectOllama(await ollama.chat({ model: 'llama3.2', messages: user('weather?'), tools: weatherTool, stream: true }));
    expect(parts.flatMap((p) => p.message.tool_calls ?? [])).toEqual([{ function: { index: 0, name: 'get_weather', arguments: { city: 'Oslo' } } }]);
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
    expect((server.requests.at(-1)!.body as { tools: unknown }).tools).toEqual(weatherTool);
  });

  it('makes no calls for a request without tools', async () => {
    server.setOptions({ show: { 'llama3.2:latest': { capabilities: ['completion', 'tools'] } }, toolCalls: () => [{ name: 'get_weather', arguments: {} }] });
    const { parts, text } = await collectOllama(await ollama.chat({ model: 'llama3.2', messages: user('hi'), stream: true }));
    expect(parts.some((p) => p.message.tool_calls)).toBe(false);
    expect(text).toContain('simulated');
  });

  it('refuses tools for a model whose capabilities lack them, with Ollama\'s 400', async () => {
    const err = await ollama.chat({ model: 'llama3.2', messages: user('weather?'), tools: weatherTool }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 400, error: 'registry.ollama.ai/library/llama3.2:latest does not support tools' });
  });

  it('records requests with path, model and completion', async () => {
    const arrived = server.nextRequest();
    await ollama.chat({ model: 'llama3.2', messages: user('hi') });
    expect(await arrived).toMatchObject({ path: '/api/chat', model: 'llama3.2' });
    await ollama.list();
    expect(server.requests.map((r) => [r.path, r.completed, r.aborted])).toEqual([
      ['/api/chat', true, false],
      ['/api/tags', true, false],
    ]);
    expect(server.requests[0].body).toMatchObject({ model: 'llama3.2', messages: user('hi'), stream: false });
  });

  it('close() resolves promptly even with a hung request open', async () => {
    server.setOptions({ fault: { kind: 'hang' } });
    const controller = new AbortController();
    const pending = abortableOllama(server.url, controller.signal).chat({ model: 'llama3.2', messages: user('hi') });
    pending.catch(() => {}); // the socket is cut by close(); only close() is under test
    await server.nextRequest();
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(500);
    await expect(pending).rejects.toBeDefined();
  });
});

describe('fake OpenAI through the openai package', () => {
  const API_KEY = 'sk-test-0123456789';
  let server: FakeServer;
  let openai: OpenAI;

  beforeEach(async () => {
    server = await startFakeOpenAI({ tokensPerSecond: FAST, apiKey: API_KEY, models: ['gpt-4o-mini', 'gpt-4o'] });
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server.close();
  });

  const streamChat = (signal?: AbortSignal, model = 'gpt-4o-mini') =>
    openai.chat.completions.create(
      { model, messages: user('hi'), stream: true, stream_options: { include_usage: true } },
      { signal },
    );

  it('lists models', async () => {
    const page = await openai.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });

  it('streams chunks in OpenAI order: role, content deltas, finish_reason stop, usage, [DONE]', async () => {
    server.setOptions({ reply: fixedReply });
    const { chunks, text, error } = await collectOpenAI(await streamChat());
    expect(error).toBeUndefined();
    expect(text).toBe(REPLY);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({
      prompt_tokens: 1,
      completion_tokens: tokenize(REPLY).length,
      total_tokens: 1 + tokenize(REPLY).length,
    });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
  });

  it('sends no usage chunk unless stream_options.include_usage is true', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi'), stream: true });
    const { chunks } = await collectOpenAI(stream);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('answers a non-streaming request with the whole message and usage', async () => {
    server.setOptions({ reply: fixedReply });
    const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]).toMatchObject({ message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' });
    expect(res.usage).toMatchObject({ completion_tokens: tokenize(REPLY).length });
  });

  it('delivers tokens incrementally at the configured speed', async () => {
    server.setOptions({ tokensPerSecond: 50, reply: () => 'one two three four five six' });
    const stamps: number[] = [];
    for await (const c of await streamChat()) if (c.choices[0]?.delta.content) stamps.push(performance.now());
    expect(stamps).toHaveLength(6);
    expect(stamps.at(-1)! - stamps[0]).toBeGreaterThanOrEqual(80);
  });

  it('aborting mid-stream via AbortController disconnects; the iteration just ends, without an error', async () => {
    server.setOptions({ tokensPerSecond: 20 });
    const controller = new AbortController();
    const disconnected = server.nextDisconnect();
    const stream = await streamChat(controller.signal);
    let contentChunks = 0;
    for await (const c of stream) {
      if (!c.choices[0]?.delta.content) continue;
      contentChunks++;
      controller.abort(); // openai's Stream swallows the AbortError: a caller must check signal.aborted
    }
    expect(contentChunks).toBe(1);
    expect(await disconnected).toMatchObject({ path: '/v1/chat/completions', aborted: true, completed: false });
  });

  it('http500 surfaces as APIError (InternalServerError) with status 500', async () => {
    server.failNext({ kind: 'http500' });
    const err = await streamChat().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 500, type: 'server_error' });
  });

  it('http429 surfaces as RateLimitError with the Retry-After header', async () => {
    server.failNext({ kind: 'http429', retryAfterSeconds: 3 });
    const err = await streamChat().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(err.headers.get('retry-after')).toBe('3');
    expect(err.requestID).toMatch(/^req_/);
  });

  it('dropMidStream: iteration throws (undici "terminated") after the first N tokens', async () => {
    server.setOptions({ reply: fixedReply });
    server.failNext({ kind: 'dropMidStream', afterTokens: 3 });
    const { text, error } = await collectOpenAI(await streamChat());
    expect(text).toBe(tokenize(REPLY).slice(0, 3).join(''));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  });

  it('malformedLine: openai logs "Could not parse message into JSON" and the iteration throws SyntaxError', async () => {
    // openai binds console methods once per logger and caches them, so spy through its own logger option.
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: API_KEY, maxRetries: 0, logger });
    server.setOptions({ reply: fixedReply });
    server.failNext({ kind: 'malformedLine', afterTokens: 2 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi'), stream: true });
    const { text, error } = await collectOpenAI(stream);
    expect(text).toBe(tokenize(REPLY).slice(0, 2).join(''));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(logger.error).toHaveBeenCalledWith('Could not parse message into JSON:', expect.stringContaining('not JSON'));
  });

  it('hang: aborting the request ends it with APIUserAbortError', async () => {
    server.failNext({ kind: 'hang' });
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const disconnected = server.nextDisconnect();
    const pending = streamChat(controller.signal);
    await arrived;
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(await disconnected).toMatchObject({ aborted: true });
  });

  it('streams tool calls as delta.tool_calls pieces that the SDK assembles, ending with finish_reason tool_calls', async () => {
    server.setOptions({ toolCalls: () => [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const { chunks } = await collectOpenAI(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('weather?'), tools, stream: true }));
    const pieces = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(pieces[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(pieces.map((p) => p.function?.arguments ?? '').join('')).toBe('{"city":"Oslo"}');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    const whole = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('weather?'), tools });
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] } });
  });

  it('an unknown model is a 404 NotFoundError with code model_not_found', async () => {
    const err = await streamChat(undefined, 'gpt-nope').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('a wrong API key is a 401 AuthenticationError with code invalid_api_key', async () => {
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong-key-123456', maxRetries: 0 });
    const err = await wrong.models.list().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect(err.message).toMatch(/^401 Incorrect API key provided: sk-\*\*\*3456\./);
  });

  it('a missing bearer is also a 401', async () => {
    const raw = await fetch(`${server.url}/v1/models`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});

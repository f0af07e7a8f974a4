// Tool calling through the OpenAI-compatible endpoint, with the real `openai` SDK as the agent: a call, its
// result, then the answer, against a fake Ollama node and the fake OpenAI cloud, streamed and not.
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startProxy, type RunningProxy } from '../../src/core/proxy/server';
import { silentLogger } from '../../src/core/log';
import { chats, cloud, cloudOf, nodeOf, ollama, setup } from './support';
import type { FakeServer, FakeServerOptions, FakeToolCall } from '../fixtures';

const KEY = 'sk-singularity-test-key-0123456789';
const proxies: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

type Setup = Awaited<ReturnType<typeof setup>>;

async function serve(w: Setup) {
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: KEY, allowRemote: false, deps: () => w.deps, log: silentLogger });
  proxies.push(proxy);
  return new OpenAI({ baseURL: proxy.url, apiKey: KEY, maxRetries: 0 });
}

const WITH_TOOLS = { capabilities: ['completion', 'tools'] };
const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: PARAMETERS } }];
const QUESTION: OpenAI.Chat.Completions.ChatCompletionMessageParam = { role: 'user', content: 'What is the weather in Oslo?' };

/** The model of an agent: calls get_weather until the conversation has its result, then answers from it. */
const agentModel: Pick<FakeServerOptions, 'toolCalls' | 'reply'> = {
  toolCalls: (req) => (req.messages.some((m) => m.role === 'tool') ? undefined : [{ name: 'get_weather', arguments: { city: 'Oslo' } }]),
  reply: (req) => {
    const result = req.messages.find((m) => m.role === 'tool');
    return result ? `It is ${(JSON.parse(result.content) as { celsius: number }).celsius} degrees in Oslo.` : '';
  },
};

const agentNode = (over: FakeServerOptions = {}) => ollama({ models: ['llama3.2:latest'], show: { 'llama3.2:latest': WITH_TOOLS }, ...agentModel, ...over });

/** One round of the loop as an agent runs it: the call the model made, then its result sent back. */
function withResult(call: OpenAI.Chat.Completions.ChatCompletionMessageToolCall, content = '{"celsius":4}'): OpenAI.Chat.Completions.ChatCompletionMessageParam[] {
  return [QUESTION, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content }];
}

async function loopWithoutStreaming(client: OpenAI, model = 'singularity/auto') {
  const first = await client.chat.completions.create({ model, messages: [QUESTION], tools });
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
  const second = await client.chat.completions.create({ model, messages: withResult(call), tools });
  return { first, call, second };
}

async function loopStreamed(client: OpenAI) {
  const runner = client.chat.completions.stream({ model: 'singularity/auto', messages: [QUESTION], tools });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  runner.on('chunk', (c) => chunks.push(c));
  const first = await runner.finalChatCompletion();
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
  const answer = await client.chat.completions.stream({ model: 'singularity/auto', messages: withResult(call), tools }).finalContent();
  return { chunks, first, call, answer };
}

const bodyOf = <T>(s: FakeServer, i: number) => chats(s)[i]!.body as T;
const cloudChats = (s: FakeServer) => s.requests.filter((r) => r.path === '/v1/chat/completions');

interface OllamaBody {
  tools?: { type: string; function: { name: string } }[];
  messages: { role: string; content: string; tool_calls?: { function: { name: string; arguments: unknown } }[]; tool_name?: string }[];
}

describe('tool calling through the endpoint, against an Ollama node', () => {
  it('runs an agent loop without streaming: a call with an id and JSON-text arguments, then the answer from its result', async () => {
    const node = await agentNode();
    const client = await serve(await setup({ nodes: [nodeOf(node, 'laptop')] }));
    const { first, call, second } = await loopWithoutStreaming(client);
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(first.choices[0]!.message.content).toBeNull();
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
    expect(call.id).toMatch(/^call_/);
    expect(second.choices[0]!.message.content).toBe('It is 4 degrees in Oslo.');
    expect(second.choices[0]!.finish_reason).toBe('stop');
  });

  it('sends the tools to /api/chat and the loop in Ollama\'s format: arguments as an object, the result named by its function', async () => {
    const node = await agentNode();
    await loopWithoutStreaming(await serve(await setup({ nodes: [nodeOf(node, 'laptop')] })));
    expect(bodyOf<OllamaBody>(node, 0).tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: PARAMETERS } }]);
    const { messages } = bodyOf<OllamaBody>(node, 1);
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'What is the weather in Oslo?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] },
      { role: 'tool', content: '{"celsius":4}', tool_name: 'get_weather' },
    ]);
  });

  it('streams the call in OpenAI\'s chunk format, which the SDK\'s stream helper assembles, then streams the answer', async () => {
    const node = await agentNode();
    const { chunks, first, call, answer } = await loopStreamed(await serve(await setup({ nodes: [nodeOf(node, 'laptop')] })));
    const deltas = chunks.map((c) => c.choices[0]?.delta).filter((d) => d?.tool_calls);
    expect(deltas[0]!.tool_calls).toEqual([{ index: 0, id: call.id, type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    expect(deltas.slice(1).map((d) => d!.tool_calls![0]!.function!.arguments).join('')).toBe('{"city":"Oslo"}');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]!.finish_reason).toBe('tool_calls');
    expect(first.choices[0]!.message.tool_calls).toHaveLength(1);
    expect(call.function.arguments).toBe('{"city":"Oslo"}');
    expect(answer).toBe('It is 4 degrees in Oslo.');
  });

  it('returns parallel calls with their own ids and indexes', async () => {
    const calls: FakeToolCall[] = [{ name: 'get_weather', arguments: { city: 'Oslo' } }, { name: 'get_weather', arguments: { city: 'Rome' } }];
    const node = await agentNode({ toolCalls: () => calls });
    const client = await serve(await setup({ nodes: [nodeOf(node, 'laptop')] }));
    const streamed = await client.chat.completions.stream({ model: 'singularity/auto', messages: [QUESTION], tools }).finalChatCompletion();
    const made = streamed.choices[0]!.message.tool_calls! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[];
    expect(made.map((c) => c.function.arguments)).toEqual(['{"city":"Oslo"}', '{"city":"Rome"}']);
    expect(new Set(made.map((c) => c.id)).size).toBe(2);
  });
});

describe('tool calling through the endpoint, against the cloud', () => {
  async function cloudWorld() {
    const api = await cloud(agentModel);
    const client = await serve(await setup({ cloudProviders: [cloudOf(api, 'team')] }));
    return { api, client };
  }

  it('runs an agent loop without streaming, passing tools, tool_choice and parallel_tool_calls through the SDK', async () => {
    const { api, client } = await cloudWorld();
    const first = await client.chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools, tool_choice: 'required', parallel_tool_calls: false });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    const sent = cloudChats(api)[0]!.body as { tools: unknown[]; tool_choice: unknown; parallel_tool_calls: unknown };
    expect(sent).toMatchObject({ tools, tool_choice: 'required', parallel_tool_calls: false });
    const second = await client.chat.completions.create({ model: 'singularity/auto', messages: withResult(call), tools });
    expect(second.choices[0]!.message.content).toBe('It is 4 degrees in Oslo.');
    const loop = (cloudChats(api)[1]!.body as { messages: unknown[] }).messages.slice(1);
    expect(loop).toEqual([
      { role: 'user', content: 'What is the weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: call.id, content: '{"celsius":4}' },
    ]);
  });

  it('assembles the cloud\'s streamed call pieces and streams them on to the agent', async () => {
    const { client } = await cloudWorld();
    const { call, answer } = await loopStreamed(client);
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    expect(answer).toBe('It is 4 degrees in Oslo.');
  });
});

describe('routing a request with tools', () => {
  it('skips a node whose model lacks the tools capability', async () => {
    const plain = await ollama({ ...agentModel, show: { 'llama3.2:latest': { capabilities: ['completion'] } } });
    const agent = await agentNode();
    const client = await serve(await setup({ nodes: [nodeOf(plain, 'plain'), nodeOf(agent, 'agent')] }));
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools });
    expect(chats(plain)).toHaveLength(0);
    expect(chats(agent)).toHaveLength(3);
  });

  it('stands in an installed model with tools for a default model without them', async () => {
    const node = await ollama({ ...agentModel, models: ['llama3.2:latest', 'qwen3:8b'], show: { 'llama3.2:latest': { capabilities: ['completion'] }, 'qwen3:8b': WITH_TOOLS } });
    const client = await serve(await setup({ nodes: [nodeOf(node, 'laptop')] }));
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(bodyOf<{ model: string }>(node, 0).model).toBe('qwen3:8b');
  });

  it('refuses a named model without the tools capability with a 400 that says so', async () => {
    const node = await ollama({ show: { 'llama3.2:latest': { capabilities: ['completion'] } } });
    const client = await serve(await setup({ nodes: [nodeOf(node, 'laptop')] }));
    const err = await client.chat.completions.create({ model: 'llama3.2:latest', messages: [QUESTION], tools }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/model llama3\.2:latest does not support tools/);
    expect(chats(node)).toHaveLength(0);
  });

  it('keeps a tool loop on the node that made its calls, where the balancer would alternate', async () => {
    const [a, b] = [await agentNode(), await agentNode()];
    const client = await serve(await setup({ nodes: [nodeOf(a, 'a'), nodeOf(b, 'b')] }, { balancer: { strategy: 'round-robin' } }));
    for (let i = 0; i < 3; i++) await loopWithoutStreaming(client);
    const byLoop = [a, b].map((n) => chats(n).length);
    // Three loops of two requests: each loop's pair on one node, never split.
    expect(byLoop.every((n) => n % 2 === 0)).toBe(true);
    expect(byLoop.reduce((x, y) => x + y)).toBe(6);
  });

  it('moves a tool loop to another node when the node that made its calls fails', async () => {
    const [a, b] = [await agentNode(), await agentNode()];
    const client = await serve(await setup({ nodes: [nodeOf(a, 'a'), nodeOf(b, 'b')] }));
    const first = await client.chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools });
    const [made, other] = chats(a).length === 1 ? [a, b] : [b, a];
    made.failNext({ kind: 'http500' });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    const second = await client.chat.completions.create({ model: 'singularity/auto', messages: withResult(call), tools });
    expect(second.choices[0]!.message.content).toBe('It is 4 degrees in Oslo.');
    expect(chats(other)).toHaveLength(1);
  });

  it('keeps a loop the cloud started on the cloud, though a node could answer', async () => {
    const node = await agentNode();
    const api = await cloud(agentModel);
    const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api, 'team')] });
    const client = await serve(w);
    const first = await client.chat.completions.create({ model: 'team/gpt-test', messages: [QUESTION], tools });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    await client.chat.completions.create({ model: 'singularity/auto', messages: withResult(call), tools });
    expect(chats(node)).toHaveLength(0);
    expect(cloudChats(api)).toHaveLength(2);
  });
});

describe('the quality gate and few-shot examples in a tool loop', () => {
  const CUT_OFF = 'Here is the parser:\n\n```python\ndef parse_numbers(text):\n    result = []\n    for part in text.split(","):\n        result.append(int(part';
  const QUESTION_TEXT = 'Write a python function parse_numbers that parses comma separated numbers';

  async function learningWorld() {
    const node = await ollama({ show: { 'llama3.2:latest': WITH_TOOLS }, reply: () => CUT_OFF });
    const api = await cloud({ reply: () => 'from the cloud' });
    const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api, 'team')] }, { learning: {} });
    w.learning!.examples.add({ prompt: QUESTION_TEXT, answer: 'Use split and int.', source: 'thumbsUp', workspace: 'endpoint' });
    return { node, api, client: await serve(w) };
  }

  it('neither escalates a weak answer nor adds examples to a request with tools', async () => {
    const { node, api, client } = await learningWorld();
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION_TEXT }], tools });
    expect(r.choices[0]!.message.content).toBe(CUT_OFF);
    expect(cloudChats(api)).toHaveLength(0);
    expect(bodyOf<OllamaBody>(node, 0).messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('does both for the same request without tools', async () => {
    const { node, api, client } = await learningWorld();
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION_TEXT }] });
    expect(r.choices[0]!.message.content).toBe('from the cloud');
    expect(cloudChats(api)).toHaveLength(1);
    expect(bodyOf<OllamaBody>(node, 0).messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });
});

describe('bad tool input, each a 400 in OpenAI\'s error format', () => {
  async function client() {
    return serve(await setup({ nodes: [nodeOf(await agentNode(), 'laptop')] }));
  }
  const fails = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);

  it('refuses a tool schema that is not an object schema', async () => {
    const err = await fails((await client()).chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }));
    expect(err).toMatchObject({ status: 400, param: 'tools[0].function.parameters', type: 'invalid_request_error' });
  });

  it('refuses a tool result whose id matches no call', async () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } };
    const messages = withResult(call).map((m) => (m.role === 'tool' ? { ...m, tool_call_id: 'call_2' } : m));
    const err = await fails((await client()).chat.completions.create({ model: 'singularity/auto', messages, tools }));
    expect(err).toMatchObject({ status: 400, param: 'messages[2]' });
    expect(err!.message).toMatch(/matches no call/);
  });

  it('refuses a tool result without a call', async () => {
    const err = await fails((await client()).chat.completions.create({ model: 'singularity/auto', messages: [QUESTION, { role: 'tool', tool_call_id: 'call_1', content: '4' }], tools }));
    expect(err).toMatchObject({ status: 400, param: 'messages[1]' });
    expect(err!.message).toMatch(/tool result without a call/);
  });

  it.each([false, true])('refuses arguments from the node that are not valid JSON (streamed: %s)', async (stream) => {
    const node = await agentNode({ toolCalls: () => [{ name: 'get_weather', arguments: '{"city": Oslo' }] });
    const c = await serve(await setup({ nodes: [nodeOf(node, 'laptop')] }));
    const err = await fails(stream ? c.chat.completions.stream({ model: 'singularity/auto', messages: [QUESTION], tools }).finalChatCompletion() : c.chat.completions.create({ model: 'singularity/auto', messages: [QUESTION], tools }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_tool_call' });
    expect(err!.message).toMatch(/called the tool "get_weather" with arguments that are not a JSON object: \{"city": Oslo/);
  });
});

import { describe, expect, it } from 'vitest';
import { completionBody, parseChatRequest, ProxyError, toolCallEvents } from '../../src/core/proxy/openaiFormat';
import { splitConversation } from '../../src/core/proxy/conversation';
import { toolCallOf } from '../../src/core/providers/toolCalls';
import { ProviderError } from '../../src/core/providers/errors';
import { stayInLoop, ToolLoops } from '../../src/core/router/toolLoops';
import { withCapabilities, type NodeStatus } from '../../src/core/nodes/registry';
import { forCloud } from '../../src/core/context/cloudPolicy';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';
import type { ChatMessage } from '../../src/core/types';

const ids = { id: 'chatcmpl-1', created: 1700000000, model: 'singularity/auto' };
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
const loop = [
  { role: 'user', content: 'Weather in Oslo?' },
  { role: 'assistant', content: null, tool_calls: [call] },
  { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":4}' },
];

function parseError(body: unknown): ProxyError {
  try {
    parseChatRequest(body);
  } catch (err) {
    return err as ProxyError;
  }
  throw new Error('expected a ProxyError');
}

describe('tool requests in OpenAI format', () => {
  it('reads tools, tool_choice and parallel_tool_calls into one tool set', () => {
    const r = parseChatRequest({ model: 'm', messages: [loop[0]], tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false });
    expect(r.tools).toEqual({ tools: [{ name: 'get_weather', description: 'Weather now', parameters: weather.function.parameters }], choice: { name: 'get_weather' }, parallel: false });
  });

  it('takes a function without parameters as one without arguments', () => {
    const r = parseChatRequest({ model: 'm', messages: [loop[0]], tools: [{ type: 'function', function: { name: 'now' } }] });
    expect(r.tools?.tools[0]!.parameters).toEqual({ type: 'object', properties: {} });
  });

  it('keeps the question and puts the calls and results after it, in order, when the last message is a tool result', () => {
    const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'ok' }, ...loop], tools: [weather] });
    expect(r.question).toBe('Weather in Oslo?');
    expect(r.history).toEqual([{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'ok' }]);
    expect(r.toolTurns).toEqual([
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', content: '{"celsius":4}', toolCallId: 'call_1' },
    ]);
  });

  it.each([
    ['a parameters schema that is not an object schema', { tools: [{ ...weather, function: { ...weather.function, parameters: { type: 'string' } } }] }, 'tools[0].function.parameters', /JSON Schema for an object/],
    ['a tool_choice naming a function not offered', { tools: [weather], tool_choice: { type: 'function', function: { name: 'send_mail' } } }, 'tool_choice', /"send_mail", which is not in tools \(get_weather\)/],
    ['a tool_choice without tools', { tool_choice: 'required' }, 'tool_choice', /needs tools/],
    ['a tool that is not a function', { tools: [{ type: 'code_interpreter' }] }, 'tools[0].type', /function/],
  ])('refuses %s', (_what, over, param, message) => {
    const err = parseError({ model: 'm', messages: [loop[0]], ...over });
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect(err.message).toMatch(message);
  });

  it('refuses a tool result without any call before it, naming the message', () => {
    const err = parseError({ model: 'm', messages: [loop[0], loop[2]] });
    expect(err).toMatchObject({ status: 400, param: 'messages[1]' });
    expect(err.message).toMatch(/tool result without a call/);
  });

  it('refuses a tool result whose id matches no call, listing the ids there are', () => {
    const err = parseError({ model: 'm', messages: [{ role: 'system', content: 's' }, loop[0], loop[1], { ...loop[2], tool_call_id: 'call_9' }] });
    expect(err).toMatchObject({ status: 400, param: 'messages[3]' });
    expect(err.message).toMatch(/"call_9" matches no call .*call_1/);
  });

  it('refuses call arguments in the history that are not the JSON text of an object', () => {
    const err = parseError({ model: 'm', messages: [loop[0], { ...loop[1], tool_calls: [{ ...call, function: { ...call.function, arguments: '[1]' } }] }, loop[2]] });
    expect(err.param).toBe('messages[1].tool_calls[0].function.arguments');
  });

  it('refuses a conversation that ends with the assistant\'s calls and no results', () => {
    expect(() => splitConversation([{ role: 'user', content: 'q' }, { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] }])).toThrow(/last message must be from the user/);
  });
});

describe('tool calls in OpenAI format', () => {
  const events = (text: string) => text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)) as { choices: { delta: unknown }[] });

  it('streams a call as a head delta (index, id, type, name, empty arguments) then the arguments in pieces under the same index', () => {
    const args = JSON.stringify({ path: 'src/a/very/long/path/to/a/file.ts', line: 12 });
    const deltas = events(toolCallEvents(ids, { id: 'call_7', name: 'read_file', arguments: args }, 2)).map((e) => e.choices[0]!.delta as { tool_calls: { index: number; id?: string; function: { name?: string; arguments: string } }[] });
    expect(deltas[0]).toEqual({ tool_calls: [{ index: 2, id: 'call_7', type: 'function', function: { name: 'read_file', arguments: '' } }] });
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.slice(1).every((d) => d.tool_calls[0]!.index === 2 && d.tool_calls[0]!.id === undefined)).toBe(true);
    expect(deltas.map((d) => d.tool_calls[0]!.function.arguments).join('')).toBe(args);
  });

  it('answers calls without text with content null, the calls and finish_reason tool_calls', () => {
    const body = completionBody(ids, '', 'tool_calls', undefined, undefined, [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
    expect(body.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: null, tool_calls: [call], refusal: null }, logprobs: null, finish_reason: 'tool_calls' });
  });
});

describe('a model\'s tool calls', () => {
  it('turns Ollama\'s object arguments into JSON text', () => {
    expect(toolCallOf('call_1', 'f', { a: [1, 'x'] }, 'node').arguments).toBe('{"a":[1,"x"]}');
  });

  it.each([['text that is not JSON', '{"city": Oslo'], ['a JSON array', '[1,2]'], ['a number', 3]])('refuses arguments that are %s as a bad tool call naming the tool', (_what, args) => {
    expect(() => toolCallOf('call_1', 'get_weather', args, 'Ollama node "laptop"')).toThrow(ProviderError);
    expect(() => toolCallOf('call_1', 'get_weather', args, 'Ollama node "laptop"')).toThrow(/Ollama node "laptop" called the tool "get_weather" with arguments that are not a JSON object/);
  });
});

describe('tool loops', () => {
  const turns = (id: string): ChatMessage[] => [{ role: 'assistant', content: '', toolCalls: [{ id, name: 'f', arguments: '{}' }] }, { role: 'tool', content: 'r', toolCallId: id }];

  it('finds where the latest known call of the conversation was made', () => {
    const loops = new ToolLoops();
    loops.remember([{ id: 'a', name: 'f', arguments: '{}' }], { route: 'local', node: 'laptop', model: 'qwen3:8b' });
    loops.remember([{ id: 'b', name: 'f', arguments: '{}' }], { route: 'cloud', node: 'team', model: 'gpt-test' });
    expect(loops.find([...turns('a'), ...turns('b')])).toEqual({ kind: 'cloud', provider: 'team', model: 'gpt-test' });
    expect(loops.find(turns('zzz'))).toBeUndefined();
  });

  it('forgets the oldest calls beyond its capacity', () => {
    const loops = new ToolLoops(2);
    for (const id of ['a', 'b', 'c']) loops.remember([{ id, name: 'f', arguments: '{}' }], { route: 'local', node: 'n', model: 'm' });
    expect(loops.find(turns('a'))).toBeUndefined();
    expect(loops.find(turns('c'))).toBeDefined();
  });

  it('puts the loop\'s node first and keeps the router\'s targets as fallbacks', () => {
    const decided = { targets: [{ kind: 'cloud' as const, provider: { name: 'team', kind: 'openai' as const, baseUrl: 'http://x', model: 'gpt-test' }, model: 'gpt-test' }], reason: 'router', strategy: 'rule' };
    const d = stayInLoop({ kind: 'node', node: 'laptop', model: 'qwen3:8b' }, decided, []);
    expect(d.targets).toEqual([{ kind: 'nodes', tiers: ['local', 'lan'], models: ['qwen3:8b'], node: 'laptop' }, ...decided.targets]);
    expect(d.reason).toMatch(/tool loop stays on node "laptop"/);
    expect(stayInLoop({ kind: 'cloud', provider: 'gone', model: 'x' }, decided, [])).toBe(decided);
  });
});

describe('capabilities for a request with tools', () => {
  it('narrows each node to its models whose /api/show lists tools; unknown capabilities count as none', () => {
    const status: NodeStatus = { node: { name: 'n', baseUrl: 'http://n', tier: 'local', models: [], maxParallel: 1 }, healthy: true, models: ['qwen3:8b', 'llama3.2:latest', 'old:latest'], loaded: [], capabilities: { 'qwen3:8b': { capabilities: ['completion', 'tools'], thinkLevels: [] }, 'llama3.2:latest': { capabilities: ['completion'], thinkLevels: [] } } };
    expect(withCapabilities([status], ['tools'])[0]!.models).toEqual(['qwen3:8b']);
    expect(withCapabilities([status], [])[0]!.models).toHaveLength(3);
  });
});

describe('tool turns for the cloud', () => {
  it('redacts secrets in tool results and call arguments, keeping the arguments valid JSON', async () => {
    const key = 'ghp_R7t2Kq9Lm4Xv8Bn3Cz6Wd1Fy5Hs0Jg7Pa2Qe';
    const safe = await forCloud({ question: 'q', history: [], context: [], toolTurns: [{ role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: JSON.stringify({ key }) }] }, { role: 'tool', content: `GH_TOKEN=${key}`, toolCallId: 'c' }] }, DEFAULT_PRIVACY);
    const [assistant, tool] = safe.toolTurns!;
    expect(JSON.stringify(safe.toolTurns)).not.toContain(key);
    expect(() => JSON.parse(assistant!.toolCalls![0]!.arguments)).not.toThrow();
    expect(tool!.content).toContain('[REDACTED:');
  });
});

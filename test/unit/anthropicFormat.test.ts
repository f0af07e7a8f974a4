import { describe, expect, it } from 'vitest';
import { errorBody, jsonPieces, MessageEvents, messageBody, parseMessagesRequest, parsePrompt, promptTokenEstimate } from '../../src/core/proxy/anthropicFormat';
import { ProxyError } from '../../src/core/proxy/openaiFormat';

const ids = { id: 'msg_1', model: 'singularity/auto' };
const usage = { promptTokens: 12, completionTokens: 3, estimated: false };
const failure = (parse: () => unknown): ProxyError => {
  try {
    parse();
  } catch (err) {
    return err as ProxyError;
  }
  throw new Error('expected a ProxyError');
};
const base = { model: 'singularity/auto', max_tokens: 100 };

/** The events of a stream as [event name, data] pairs, checking each data's type repeats its name. */
function events(text: string): [string, Record<string, unknown>][] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((e) => {
      const [name, data] = e.split('\n');
      const parsed = JSON.parse(data!.slice('data: '.length)) as Record<string, unknown>;
      expect(parsed.type).toBe(name!.slice('event: '.length));
      return [parsed.type as string, parsed];
    });
}

describe('Anthropic request parsing', () => {
  it('takes the last user message as the question, earlier turns as history, system blocks joined as the system prompt', () => {
    const r = parseMessagesRequest({
      ...base,
      system: [{ type: 'text', text: 'Be terse.' }, { type: 'text', text: 'Answer in English.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: [{ type: 'text', text: 'reply' }] },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
      ],
      temperature: 0.2,
      stream: true,
    });
    expect(r).toMatchObject({ question: 'second', system: 'Be terse.\n\nAnswer in English.', maxTokens: 100, temperature: 0.2, stream: true });
    expect(r.history).toEqual([{ role: 'user', content: 'first' }, { role: 'assistant', content: 'reply' }]);
  });

  it('turns tool_use blocks into the assistant turn\'s calls (input as JSON text) and tool_result blocks into tool turns, results first', () => {
    const { turns } = parsePrompt({
      ...base,
      messages: [
        { role: 'user', content: 'read a.ts' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a.ts' } }] },
        { role: 'user', content: [{ type: 'text', text: 'and be quick' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'export const a = 1;' }] }] },
      ],
    });
    expect(turns).toEqual([
      { role: 'user', content: 'read a.ts' },
      { role: 'assistant', content: 'Reading.', toolCalls: [{ id: 'toolu_1', name: 'read', arguments: '{"path":"a.ts"}' }] },
      { role: 'tool', toolCallId: 'toolu_1', content: 'export const a = 1;' },
      { role: 'user', content: 'and be quick' },
    ]);
  });

  it('moves a tool_result\'s images to a user turn after the results, since no provider takes images in a tool turn', () => {
    const { turns } = parsePrompt({
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'taken' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] },
      ],
    });
    expect(turns.slice(1)).toEqual([
      { role: 'tool', toolCallId: 'toolu_1', content: 'taken' },
      { role: 'user', content: '', images: [{ mimeType: 'image/png', base64: 'AAAA' }] },
    ]);
  });

  it('tells the model a tool_result with is_error is an error', () => {
    const { turns } = parsePrompt({
      ...base,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ENOENT', is_error: true }] },
      ],
    });
    expect(turns.at(-1)).toEqual({ role: 'tool', toolCallId: 'toolu_1', content: 'Error: ENOENT' });
  });

  it('reads tools and maps tool_choice: any is required, tool names one, disable_parallel_tool_use turns parallel calls off', () => {
    const tools = [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }];
    const messages = [{ role: 'user', content: 'go' }];
    expect(parsePrompt({ ...base, messages, tools }).tools).toEqual({ tools: [{ name: 'read', description: 'Read a file', parameters: tools[0]!.input_schema }] });
    expect(parsePrompt({ ...base, messages, tools, tool_choice: { type: 'any' } }).tools?.choice).toBe('required');
    expect(parsePrompt({ ...base, messages, tools, tool_choice: { type: 'none' } }).tools?.choice).toBe('none');
    expect(parsePrompt({ ...base, messages, tools, tool_choice: { type: 'tool', name: 'read', disable_parallel_tool_use: true } }).tools).toMatchObject({ choice: { name: 'read' }, parallel: false });
  });

  it.each([
    [{ ...base, messages: [] }, /^messages: /],
    [{ model: 'm', messages: [{ role: 'user', content: 'q' }] }, /^max_tokens: .*required/],
    [{ ...base, max_tokens: 0, messages: [{ role: 'user', content: 'q' }] }, /^max_tokens: /],
    [{ ...base, temperature: 1.5, messages: [{ role: 'user', content: 'q' }] }, /^temperature: .*0 to 1/],
    [{ ...base, messages: [{ role: 'system', content: 'q' }] }, /^messages\[0\]\.role: .*"system"/],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, /^messages\[0\]\.content\[0\]: Unsupported block/],
    [{ ...base, messages: [{ role: 'user', content: 'q' }], tools: [{ name: 't', input_schema: { type: 'array' } }] }, /^tools\[0\]\.input_schema: /],
    [{ ...base, messages: [{ role: 'user', content: 'q' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /^tools\[0\]\.type: .*server tools/],
    [{ ...base, messages: [{ role: 'user', content: 'q' }], tools: [{ name: 't', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 'u' } }, /^tool_choice\.name: /],
    [{ ...base, messages: [{ role: 'user', content: 'q' }], stop_sequences: ['END'] }, /^stop_sequences: /],
    [{ ...base, messages: [{ role: 'assistant', content: 'prefill' }] }, /^messages: The last message must be from the user/],
  ])('refuses %j with a 400 that names the field at fault', (body, message) => {
    const err = failure(() => parseMessagesRequest(body));
    expect(err).toBeInstanceOf(ProxyError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it('refuses a tool_result that follows no tool_use, or names a call the previous message did not make', () => {
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9' }] };
    expect(failure(() => parsePrompt({ ...base, messages: [result] })).message).toMatch(/^messages\[0\]\.content\[0\]: .*previous message has none/);
    const called = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] };
    const stale = [called, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }, { role: 'assistant', content: 'done' }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] }];
    expect(failure(() => parsePrompt({ ...base, messages: stale })).message).toMatch(/^messages\[3\]\.content\[0\]: .*previous message has none/);
    expect(failure(() => parsePrompt({ ...base, messages: [called, result] })).message).toMatch(/"toolu_9" matches no tool_use block of the previous assistant message \(its ids: toolu_1\)/);
  });

  it('estimates a prompt\'s tokens from its text, tool calls and tool definitions', () => {
    const prompt = parsePrompt({ ...base, system: 'sys', messages: [{ role: 'user', content: 'abcd' }], tools: [{ name: 't', input_schema: { type: 'object' } }] });
    expect(promptTokenEstimate(prompt)).toBe(Math.ceil(`sys\nabcd\n${JSON.stringify([{ name: 't', parameters: { type: 'object' } }])}`.length / 4));
  });
});

describe('Anthropic responses', () => {
  it('writes a whole answer as one message: thinking, text, tool_use blocks with parsed input, stop_reason tool_use', () => {
    const body = messageBody(ids, { text: 'Reading.', thinking: 'hmm', toolCalls: [{ id: 'toolu_1', name: 'read', arguments: '{"path":"a.ts"}' }], finishReason: 'tool_calls', usage }, 99);
    expect(body).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'singularity/auto',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: '' },
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a.ts' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 3 },
    });
  });

  it('says max_tokens when the answer hit the limit, and keeps an empty answer as one empty text block', () => {
    expect(messageBody(ids, { text: 'cut', finishReason: 'length', usage }, 0).stop_reason).toBe('max_tokens');
    expect(messageBody(ids, { text: '', finishReason: 'stop' }, 7)).toMatchObject({ content: [{ type: 'text', text: '' }], stop_reason: 'end_turn', usage: { input_tokens: 7, output_tokens: 0 } });
  });

  it('streams text as message_start, ping, one text block of text_deltas, message_delta, message_stop', () => {
    const out = new MessageEvents(ids, 5);
    const text = out.start() + out.text('Hel') + out.text('lo') + out.end({ finishReason: 'stop', usage });
    expect(events(text)).toEqual([
      ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'singularity/auto', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } } }],
      ['ping', { type: 'ping' }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 12, output_tokens: 3 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
  });

  it('streams thinking, text and tool calls as consecutive blocks, each call\'s input as input_json_delta pieces', () => {
    const out = new MessageEvents(ids, 5);
    const args = JSON.stringify({ path: 'src/a-rather-long-file-name.ts', line: 10 });
    out.start();
    const text = out.thinking('hm') + out.thinking('m') + out.text('Reading.') + out.toolCall({ id: 'toolu_1', name: 'read', arguments: args }) + out.toolCall({ id: 'toolu_2', name: 'ls', arguments: '{}' }) + out.end({ finishReason: 'tool_calls', usage });
    const shape = events(text).map(([name, data]) => {
      const delta = data.delta as { type?: string } | undefined;
      return `${name}${data.index !== undefined ? `@${data.index as number}` : ''}${delta?.type ? `:${delta.type}` : ''}`;
    });
    const pieces = jsonPieces(args);
    expect(pieces.length).toBeGreaterThan(1);
    expect(shape).toEqual([
      'content_block_start@0', 'content_block_delta@0:thinking_delta', 'content_block_delta@0:thinking_delta', 'content_block_stop@0',
      'content_block_start@1', 'content_block_delta@1:text_delta', 'content_block_stop@1',
      'content_block_start@2', ...pieces.map(() => 'content_block_delta@2:input_json_delta'), 'content_block_stop@2',
      'content_block_start@3', 'content_block_delta@3:input_json_delta', 'content_block_stop@3',
      'message_delta', 'message_stop',
    ]);
    const parsed = events(text);
    expect(parsed[4]![1]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } });
    expect(parsed[7]![1]).toEqual({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'read', input: {} } });
    expect(parsed.filter(([, d]) => d.index === 2 && d.type === 'content_block_delta').map(([, d]) => (d.delta as { partial_json: string }).partial_json).join('')).toBe(args);
    expect((parsed.at(-2)![1].delta as { stop_reason: string }).stop_reason).toBe('tool_use');
  });

  it('closes an answer that streamed nothing with one empty text block, as Anthropic does', () => {
    const out = new MessageEvents(ids, 5);
    out.start();
    expect(events(out.end({ finishReason: 'stop' })).map(([name]) => name)).toEqual(['content_block_start', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('writes a mid-stream failure as an error event in Anthropic\'s error shape', () => {
    const out = new MessageEvents(ids, 5);
    expect(out.error(new ProxyError(503, 'service_unavailable', 'node gone'))).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"node gone"}}\n\n');
  });

  it.each([
    [400, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error'],
    [404, 'not_found_error', 'not_found_error'],
    [413, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 'rate_limit_error'],
    [502, 'server_error', 'api_error'],
    [503, 'service_unavailable', 'api_error'],
  ] as const)('names a %i %s error %s', (status, type, anthropic) => {
    expect(errorBody(new ProxyError(status, type, 'why'))).toEqual({ type: 'error', error: { type: anthropic, message: 'why' } });
  });
});

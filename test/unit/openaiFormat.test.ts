import { describe, expect, it } from 'vitest';
import { chunkEvent, completionBody, parseChatRequest, ProxyError, usageEvent } from '../../src/core/proxy/openaiFormat';
import { splitConversation } from '../../src/core/proxy/conversation';

const ids = { id: 'chatcmpl-1', created: 1700000000, model: 'singularity/auto' };
const parseError = (body: unknown): ProxyError => {
  try {
    parseChatRequest(body);
  } catch (err) {
    return err as ProxyError;
  }
  throw new Error('expected a ProxyError');
};

describe('OpenAI request parsing', () => {
  it('takes the last user message as the question, earlier turns as history, system and developer messages as the system prompt', () => {
    const r = parseChatRequest({
      model: 'singularity/auto',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
      ],
    });
    expect(r).toMatchObject({ question: 'second', system: 'Be terse.\n\nAnswer in English.', stream: false, includeUsage: false });
    expect(r.history).toEqual([{ role: 'user', content: 'first' }, { role: 'assistant', content: 'reply' }]);
  });

  it('reads images from data: URLs, in either image_url form', () => {
    const r = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }, { type: 'image_url', image_url: 'data:image/jpeg;base64,AAAA' }] }] });
    expect(r.images).toEqual([{ mimeType: 'image/jpeg', base64: 'AAAA' }]);
  });

  it('accepts max_completion_tokens as well as max_tokens, and stream options', () => {
    expect(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'q' }], max_completion_tokens: 50, stream: true, stream_options: { include_usage: true } })).toMatchObject({ maxTokens: 50, stream: true, includeUsage: true });
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'q' }] }, 'model'],
    [{ model: 'm', messages: [{ role: 'user', content: 'q' }], n: 2 }, 'n'],
    [{ model: 'm', messages: [{ role: 'user', content: 'q' }], tools: [{ type: 'function' }] }, 'tools[0].function.name'],
    [{ model: 'm', messages: [{ role: 'robot', content: 'q' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user', content: 'q' }], max_tokens: 0 }, 'max_tokens'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, 'messages[0].content[0]'],
  ])('refuses %j naming the parameter %s', (body, param) => {
    const err = parseError(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
  });

  it('needs the conversation to end with the user', () => {
    expect(() => splitConversation([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }])).toThrow(/last message must be from the user/);
  });
});

describe('OpenAI response format', () => {
  it('writes a chunk as one data line with the chunk object', () => {
    const event = chunkEvent(ids, { content: 'hi' });
    expect(event.endsWith('\n\n')).toBe(true);
    expect(JSON.parse(event.slice(6))).toEqual({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'singularity/auto', choices: [{ index: 0, delta: { content: 'hi' }, logprobs: null, finish_reason: null }] });
  });

  it('puts usage in a last chunk without choices', () => {
    expect(JSON.parse(usageEvent(ids, { promptTokens: 3, completionTokens: 4, estimated: false }).slice(6))).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  });

  it('reports a length stop as finish_reason "length"', () => {
    expect(completionBody(ids, 'cut', 'length', undefined).choices[0]!.finish_reason).toBe('length');
  });
});

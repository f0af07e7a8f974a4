import { describe, expect, it } from 'vitest';
import { ThinkTagSplitter } from '../../src/core/providers/thinkTags';
import { thinkField } from '../../src/core/nodes/think';

/** Feeds the chunks through one splitter and joins what comes out. */
function split(chunks: string[]) {
  const s = new ThinkTagSplitter();
  const out = { thinking: '', text: '' };
  for (const piece of [...chunks.map((c) => s.push(c)), s.flush()]) {
    out.thinking += piece.thinking;
    out.text += piece.text;
  }
  return out;
}

describe('<think> tags in content', () => {
  it('takes a leading think block as reasoning and the rest as the answer', () => {
    expect(split(['<think>plan it</think>\n\nThe answer.'])).toEqual({ thinking: 'plan it', text: 'The answer.' });
  });

  it('finds tags cut across chunks, one character at a time', () => {
    expect(split([...'<think>a < b</think>\nyes'])).toEqual({ thinking: 'a < b', text: 'yes' });
  });

  it('leaves an answer without a leading block alone, tags later in it included', () => {
    expect(split(['Use ', '<think>', ' as a tag name.'])).toEqual({ thinking: '', text: 'Use <think> as a tag name.' });
  });

  it('keeps reasoning whose block never closes as reasoning', () => {
    expect(split(['<think>still going', ' </thi'])).toEqual({ thinking: 'still going </thi', text: '' });
  });

  it('streams reasoning as it comes, holding back only what may be a closing tag', () => {
    const s = new ThinkTagSplitter();
    expect(s.push('<think>first')).toEqual({ thinking: 'first', text: '' });
    expect(s.push(' second </th')).toEqual({ thinking: ' second ', text: '' });
    expect(s.push('ink>done')).toEqual({ thinking: '', text: 'done' });
  });
});

describe('the think field sent to a model', () => {
  const qwen3 = { capabilities: ['completion', 'thinking'], thinkLevels: [] };
  const gptOss = { capabilities: ['completion', 'thinking'], thinkLevels: ['low', 'medium', 'high'] };
  const llama = { capabilities: ['completion'], thinkLevels: [] };

  it('is left out on auto, and for models that do not think or whose capabilities are unknown', () => {
    expect(thinkField('auto', qwen3)).toBeUndefined();
    expect(thinkField('on', llama)).toBeUndefined();
    expect(thinkField('on', undefined)).toBeUndefined();
  });

  it('is true on, false off', () => {
    expect(thinkField('on', qwen3)).toBe(true);
    expect(thinkField('off', gptOss)).toBe(false);
  });

  it('is the level when the model lists it, else true (Ollama would silently use its default)', () => {
    expect(thinkField('low', gptOss)).toBe('low');
    expect(thinkField('low', qwen3)).toBe(true);
  });
});

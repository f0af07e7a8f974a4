import { describe, expect, it } from 'vitest';
import { answeredBy, conversationTitle, MAX_TITLE, titleProblem } from '../../src/core/history/titles';

describe('conversation titles', () => {
  it('titles a conversation by its first question on one line', () => {
    expect(conversationTitle('  Why does\n\tthis   fail?  ')).toBe('Why does this fail?');
  });

  it('cuts a long question at a word, with an ellipsis, within the limit', () => {
    const title = conversationTitle('How do I configure the TypeScript compiler so that strict null checks apply only to the new files?');
    expect(title).toBe('How do I configure the TypeScript compiler so that strict…');
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE);
  });

  it('cuts one long token where it is rather than leaving a stub', () => {
    const title = conversationTitle(`Explain ${'x'.repeat(100)}`);
    expect(title).toHaveLength(MAX_TITLE);
    expect(title.endsWith('x…')).toBe(true);
  });

  it('accepts a one-line name within the limit and says what is wrong with any other', () => {
    expect(titleProblem('Reading files')).toBeUndefined();
    expect(titleProblem('   ')).toMatch(/Enter a name/);
    expect(titleProblem('two\nlines')).toMatch(/one line/);
    expect(titleProblem('y'.repeat(MAX_TITLE + 1))).toBe(`Use at most ${MAX_TITLE} characters (this one has ${MAX_TITLE + 1}).`);
  });

  it('names who answered once each, in the order they first answered', () => {
    const local = { route: 'local', model: 'llama3.2' };
    expect(answeredBy([local, { route: 'cloud', model: 'gpt-4o' }, local])).toEqual(['local · llama3.2', 'cloud · gpt-4o']);
  });
});

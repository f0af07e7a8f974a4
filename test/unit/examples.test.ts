import { describe, expect, it } from 'vitest';
import { EXAMPLE_RULES, rankExamples, reviewExample, signatureOf, similarity, type Example } from '../../src/core/learning/examples';

const example = (over: Partial<Example> & { prompt: string }): Example => ({
  id: over.prompt,
  answer: 'An answer.',
  taskType: 'coding',
  signature: signatureOf(over.prompt),
  source: 'thumbsUp',
  workspace: 'ws',
  status: 'active',
  pinned: false,
  successes: 0,
  failures: 0,
  uses: 0,
  createdAt: 0,
  ...over,
});

describe('example selection', () => {
  it('offers the most similar example and nothing unrelated', () => {
    const chosen = rankExamples('Write a python function that parses a CSV file with a header row', [
      example({ prompt: 'Parse a CSV file with a header row in python' }),
      example({ prompt: 'Explain the borrow checker in Rust' }),
    ], 600);
    expect(chosen.map((e) => e.prompt)).toEqual(['Parse a CSV file with a header row in python']);
  });

  it('ranks an example with a good record above an equally similar one with a bad record', () => {
    const q = 'Parse a CSV file with a header row in python';
    const chosen = rankExamples(q, [example({ prompt: q, id: 'bad', successes: 1, failures: 5 }), example({ prompt: q, id: 'good', successes: 5, failures: 1 })], 600);
    expect(chosen.map((e) => e.id)).toEqual(['good', 'bad']);
  });

  it('never offers a retired example', () => {
    const q = 'Parse a CSV file with a header row in python';
    expect(rankExamples(q, [example({ prompt: q, status: 'retired' })], 600)).toEqual([]);
  });

  it('keeps within the token budget', () => {
    const q = 'Parse a CSV file with a header row in python';
    const long = example({ prompt: q, id: 'long', answer: 'x'.repeat(4000) });
    const short = example({ prompt: q, id: 'short' });
    expect(rankExamples(q, [long, short], 300).map((e) => e.id)).toEqual(['short']);
  });

  it('measures similarity on key terms, so word order and filler do not matter', () => {
    expect(similarity(signatureOf('parse CSV header python'), signatureOf('In python, please parse the header of a CSV'))).toBe(1);
  });
});

describe('example review', () => {
  it('retires an example whose uses failed clearly more often than local answers in general', () => {
    expect(reviewExample({ successes: 1, failures: 3, status: 'active', pinned: false }, 0.2)).toEqual({ to: 'retired', why: 'failed 3 of 4 uses vs 20% for local answers' });
  });

  it('promotes an example whose uses failed clearly less often', () => {
    expect(reviewExample({ successes: 4, failures: 0, status: 'active', pinned: false }, 0.3)?.to).toBe('promoted');
  });

  it(`judges nothing before ${EXAMPLE_RULES.minJudgedUses} labelled uses, and never a pinned example`, () => {
    expect(reviewExample({ successes: 0, failures: 3, status: 'active', pinned: false }, 0.1)).toBeUndefined();
    expect(reviewExample({ successes: 0, failures: 9, status: 'active', pinned: true }, 0.1)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { priorPCloud, priorTerms } from '../../src/core/router/prior';

const p = (question: string) => priorPCloud({ question });

describe('router prior', () => {
  it('ranks design, concurrency and distributed work above lookups and one-liners', () => {
    const hard = ['design a rate limiter for a distributed API gateway', 'implement a thread-safe LRU cache in C++', 'why does our service deadlock under load'];
    const easy = ['how do I sort a list in python', 'what is the difference between let and const', 'convert a string to an int in javascript'];
    for (const h of hard) for (const e of easy) expect(p(h), `${h} > ${e}`).toBeGreaterThan(p(e));
  });

  it('says which kinds of work it saw', () => {
    expect(priorTerms({ question: 'how do I avoid a race condition in this worker pool' }).concepts).toEqual(['concurrency', 'question about basics']);
  });

  it('leans a little further to the cloud for each requirement a question states', () => {
    expect(p('write a parser for this format that must handle escapes without recursion')).toBeGreaterThan(p('write a parser for this format'));
  });

  it('stays within (0, 1) for empty and very long questions', () => {
    for (const q of ['', 'x '.repeat(50_000)]) {
      expect(p(q)).toBeGreaterThan(0);
      expect(p(q)).toBeLessThan(1);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { answerSignals, bracketsBalance, codeBlocks, languageOf, loopingTail } from '../../src/core/quality/signals';
import { judgeAnswer, loadGateModel, parseGateModel, verdictPCloud, GateModelError } from '../../src/core/quality/gate';
import { parseQualitySettings } from '../../src/core/quality/settings';
import { parseGrade } from '../../src/core/quality/judge';

const Q = 'How do I reverse a linked list in Java?';
const signals = (answer: string, question = Q, finishReason?: 'stop' | 'length' | 'repetition') => answerSignals({ question, answer, ...(finishReason ? { finishReason } : {}) });

const JAVA_ANSWER = [
  'Walk the list once, turning each `next` pointer around:',
  '',
  '```java',
  'ListNode reverse(ListNode head) {',
  '    ListNode prev = null;',
  '    while (head != null) {',
  '        ListNode next = head.next; // keep the rest',
  '        head.next = prev;',
  '        prev = head;',
  '        head = next;',
  '    }',
  '    return prev;',
  '}',
  '```',
  '',
  'It runs in O(n) time and O(1) extra space; the linked list is reversed in place.',
].join('\n');

describe('answer signals', () => {
  it('finds nothing wrong in a complete, on-topic answer with sound code', () => {
    const s = signals(JAVA_ANSWER);
    expect({ ...s, offTopic: 0, repetition: 0 }).toEqual({ empty: 0, refusal: 0, truncated: 0, repetition: 0, brokenCode: 0, wrongLanguage: 0, offTopic: 0, missingCode: 0, hedging: 0, placeholderCode: 0 });
    expect(s.offTopic).toBeLessThan(0.5);
  });

  it('flags an empty answer', () => {
    expect(signals('  \n ').empty).toBe(1);
  });

  it('flags a refusal at the start of the answer', () => {
    expect(signals("I'm sorry, but I can't help with reversing linked lists in Java.").refusal).toBe(1);
  });

  it('flags an answer cut off by the token limit, or inside a code block', () => {
    expect(signals(JAVA_ANSWER, Q, 'length').truncated).toBe(1);
    expect(signals(JAVA_ANSWER.slice(0, JAVA_ANSWER.indexOf('return prev'))).truncated).toBe(1);
  });

  it('flags an answer that ends in a loop', () => {
    const looping = `${JAVA_ANSWER}\n${'and then the next node points back and '.repeat(12)}`;
    expect(loopingTail(looping)).toBe(true);
    expect(signals(looping).repetition).toBe(1);
    expect(loopingTail(JAVA_ANSWER)).toBe(false);
  });

  it('flags code whose brackets do not balance, ignoring brackets inside strings and comments', () => {
    expect(bracketsBalance('if (a) { s = "}"; } // )')).toBe(true);
    expect(bracketsBalance('if (a) { s = 1;')).toBe(false);
    expect(signals('```java\nvoid f() { if (x) { g(); }\n```').brokenCode).toBe(1);
    expect(signals('```json\n{"a": 1,}\n```').brokenCode).toBe(1);
  });

  it('flags an answer written in another language than the question', () => {
    expect(languageOf('Wie kann ich eine verkettete Liste in Java umkehren? Ich habe das nicht verstanden und es ist schwer.')).toBe('german');
    const s = signals('Чтобы развернуть связанный список, пройдите по нему один раз и поменяйте указатели местами.', 'How do I reverse a linked list in Java? Please explain the idea and the code.');
    expect(s.wrongLanguage).toBe(1);
  });

  it('does not flag the other language when the question asks for a translation', () => {
    expect(signals('Wie kann ich eine verkettete Liste umkehren? Das ist die Frage und die Antwort.', 'Translate this to German: how do I reverse a linked list and what is the answer?').wrongLanguage).toBe(0);
  });

  it('flags an answer that never mentions what the question is about', () => {
    expect(signals('Paris is the capital of France and has many museums worth a visit.', 'Explain the difference between useEffect and useLayoutEffect hooks in React').offTopic).toBeGreaterThan(0.8);
  });

  it('flags a missing code block when code was asked for', () => {
    expect(signals('You should iterate and swap pointers until the end.', 'Write a function in Java that reverses a linked list').missingCode).toBe(1);
  });

  it('flags code left unwritten', () => {
    expect(signals('```python\ndef reverse(head):\n    # TODO: implement this\n    pass\n```').placeholderCode).toBe(1);
  });

  it('reads fenced blocks, including an unclosed last one', () => {
    expect(codeBlocks('a\n```ts\nx\n```\nb\n~~~\ny')).toEqual([
      { language: 'ts', code: 'x', closed: true },
      { language: '', code: 'y', closed: false },
    ]);
  });
});

describe('the shipped gate', () => {
  const model = loadGateModel('models/gate.json');

  it('escalates on a certain signal whatever the model says, and names it', () => {
    const v = judgeAnswer(model, { question: Q, answer: JAVA_ANSWER, finishReason: 'length' }, 0.2);
    expect(v).toMatchObject({ pass: false, score: 0, certain: ['truncated'] });
    expect(v.reasons).toEqual(['answer was cut off']);
    expect(verdictPCloud(v)).toBe(1);
  });

  it('scores on a 0..1 percentile and passes a sound answer at the default threshold', () => {
    const v = judgeAnswer(model, { question: Q, answer: JAVA_ANSWER }, 0.2);
    expect(v.pass).toBe(true);
    expect(v.score).toBeGreaterThan(0.2);
    expect(v.score).toBeLessThanOrEqual(1);
  });

  it('fails every answer at threshold 1 and none without a certain signal at 0', () => {
    expect(judgeAnswer(model, { question: Q, answer: JAVA_ANSWER }, 1.01).pass).toBe(false);
    expect(judgeAnswer(model, { question: Q, answer: JAVA_ANSWER }, 0).pass).toBe(true);
  });

  it('refuses a file that is not a gate model, saying how to rebuild it', () => {
    expect(() => parseGateModel('{"kind": "other"}', 'x.json')).toThrow(GateModelError);
    expect(() => parseGateModel('not json', 'x.json')).toThrow(/singularity train-gate/);
  });
});

describe('judge model reply', () => {
  it('reads the first whole grade from 1 to 10 and nothing else', () => {
    expect(parseGrade('7')).toBe(7);
    expect(parseGrade('Grade: 10/10')).toBe(10);
    expect(parseGrade('I would say 3.')).toBe(3);
    expect(parseGrade('no idea')).toBeUndefined();
    expect(parseGrade('42')).toBeUndefined();
  });
});

describe('quality settings', () => {
  it('falls back to the default for an out-of-range threshold, with a problem to show', () => {
    const { settings, problems } = parseQualitySettings({ threshold: 3 });
    expect(settings.threshold).toBe(0.2);
    expect(problems[0]).toMatch(/singularity\.quality\.threshold/);
  });
});

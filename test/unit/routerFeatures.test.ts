import { describe, expect, it } from 'vitest';
import { extractFeatures, FEATURE_COUNT, FEATURE_SCHEMA, taskTypeOf, fnv1a } from '../../src/core/router/features';

const at = (name: string) => FEATURE_SCHEMA.names.indexOf(name);
const features = (question: string, over = {}) => extractFeatures({ question, contextChars: 0, historyTurns: 0, hasImages: false, ...over });

describe('router features', () => {
  it('gives one value per named column, every one finite', () => {
    expect(new Set(FEATURE_SCHEMA.names).size).toBe(FEATURE_COUNT);
    const x = features('Explain closures', { history: { local: { successRate: 1, latencyMs: -1 } } });
    expect(x).toHaveLength(FEATURE_COUNT);
    expect([...x].every(Number.isFinite)).toBe(true);
  });

  it.each([
    ['Why does this throw a TypeError: undefined is not a function?', 'debugging'],
    ['Implement a function that reverses a linked list in Rust', 'coding'],
    ['How many ways can 5 people sit at a round table?', 'reasoning'],
    ['Explain the difference between TCP and UDP', 'explanation'],
    ['Write a haiku about autumn', 'general'],
  ])('classifies "%s" as %s', (question, task) => {
    expect(taskTypeOf(question, false)).toBe(task);
  });

  it('classifies any request with images as vision', () => {
    expect(taskTypeOf('What is in this screenshot?', true)).toBe('vision');
  });

  it('sets exactly one task column', () => {
    const x = features('Explain closures');
    const tasks = FEATURE_SCHEMA.names.filter((n) => n.startsWith('task_')).map((n) => x[at(n)]);
    expect(tasks.filter((v) => v === 1)).toHaveLength(1);
    expect(x[at('task_explanation')]).toBe(1);
  });

  it('grows the size features with prompt and context length', () => {
    const short = features('Explain closures');
    const long = features('Explain closures '.repeat(200), { contextChars: 20_000 });
    expect(long[at('prompt_tokens_log')]).toBeGreaterThan(short[at('prompt_tokens_log')]!);
    expect(long[at('context_tokens_log')]).toBeGreaterThan(short[at('context_tokens_log')]!);
    expect(long[at('code_present')]).toBe(1);
  });

  it('detects the language of fenced code', () => {
    expect(features('```python\ndef f(): pass\n```')[at('language')]).toBeGreaterThan(0);
    expect(features('Write a poem')[at('language')]).toBe(0);
  });

  it('marks unknown route history as -1 and known history by its values', () => {
    const unknown = features('Explain closures');
    expect(unknown[at('local_success_rate')]).toBe(-1);
    const known = features('Explain closures', { history: { local: { successRate: 0.75, latencyMs: 999 } } });
    expect(known[at('local_success_rate')]).toBe(0.75);
    expect(known[at('local_latency_log')]).toBeCloseTo(Math.log1p(999), 5);
    expect(known[at('cloud_success_rate')]).toBe(-1);
  });

  it('hashes the same text to the same value in every run (FNV-1a, used for A/B assignment)', () => {
    expect(fnv1a('hello')).toBe(0x4f9f2cab);
  });
});

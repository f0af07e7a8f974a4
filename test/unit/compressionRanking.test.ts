// Lexical relevance beyond plain BM25 (query expansion, links between chunks) and the selection rules that
// decide what fits: value per token, split functions sent whole.
import { describe, expect, it } from 'vitest';
import { bm25Scores, weightedBm25Scores } from '../../src/core/context/bm25';
import { codeTerms, termDoc } from '../../src/core/context/codeTokens';
import { FEEDBACK, PREFIX_WEIGHT, withFeedback, withPrefixRelatives } from '../../src/core/context/expand';
import { NEIGHBOUR, withNeighbours } from '../../src/core/context/relevance';
import { selectChunks } from '../../src/core/context/select';
import { WHOLE_FUNCTION_TOKENS } from '../../src/core/context/chunkTypes';
import { formatContext, formattedLength } from '../../src/core/context/format';
import type { Chunk } from '../../src/core/context/analyze';
import type { ContextItem } from '../../src/core/types';

const item: ContextItem = { kind: 'file', path: 'f.ts', language: 'typescript', text: '', origin: 'active' };

function chunk(text: string, over: Partial<Chunk> = {}): Chunk {
  const names = over.names ?? [];
  return { ...termDoc(text), item: 0, startLine: 0, endLine: 1, text, tokens: 10, kind: 'block', names, nameDoc: termDoc(names.join(' ')), ...over };
}

/** Chunks on consecutive lines. */
const lined = (chunks: Chunk[]) => chunks.map((c, i) => ({ ...c, startLine: i, endLine: i + 1 }));

const select = (chunks: Chunk[], scores: number[], budgetTokens: number) =>
  selectChunks({ chunks, items: [item], scores, identifiers: [], queryTerms: [], budgetTokens, threshold: 0, hardLimitTokens: budgetTokens });

describe('terms', () => {
  it('counts the same term frequencies as the term list', () => {
    const text = 'parseHeader(line); parse(header); const max_retry = retries;';
    const terms = codeTerms(text);
    const doc = termDoc(text);
    expect(doc.length).toBe(terms.length);
    for (const t of terms) expect(doc.tf.get(t)).toBe(terms.filter((x) => x === t).length);
  });
});

describe('query expansion', () => {
  it('adds the context terms a question term prefixes, or that prefix it, at a lower weight', () => {
    const query = withPrefixRelatives(codeTerms('turns it into a string'), ['stringifi', 'str', 'strong', 'into']);
    expect(query.get('string')).toBe(1);
    expect(query.get('stringifi')).toBe(PREFIX_WEIGHT);
    expect(query.has('str')).toBe(false);
    expect(query.has('strong')).toBe(false);
  });

  it('adds the most telling terms of the best chunks (pseudo-relevance feedback) at a lower weight', () => {
    const docs = [termDoc('circuit breaker state isolate'), termDoc('isolate breaker open'), termDoc('unrelated words here')];
    const query = withFeedback(new Map([['isol', 1]]), docs, [1, 0.5, 0]);
    expect(query.get('isol')).toBe(1);
    expect(query.get('breaker')).toBe(FEEDBACK.weight);
    expect(query.has('unrel')).toBe(false);
  });
});

describe('weighted BM25', () => {
  it('scales a query term\'s contribution by its weight', () => {
    const docs = [termDoc('retry once'), termDoc('other text')];
    expect(weightedBm25Scores(docs, new Map([['retri', 0.5]]))[0]).toBeCloseTo(bm25Scores(docs, ['retri'])[0]! / 2);
  });
});

describe('relevance', () => {
  it('gives the chunks linked by name to a best chunk (the helper it calls, its callers) a share of its score', () => {
    const chunks = lined([
      chunk('function assertEdition(edition) { if (!isCompatible(edition)) throw new Error("bad edition") }', { names: ['assertEdition'] }),
      chunk('function isCompatible(e) { return e.engines && e.tags }', { names: ['isCompatible'] }),
      chunk('function check() { assertEdition(current) }', { names: ['check'] }),
      chunk('function render(view) { return view.html }', { names: ['render'] }),
    ]);
    expect(withNeighbours(chunks, [1, 0, 0, 0])).toEqual([1, NEIGHBOUR.weight, NEIGHBOUR.weight, 0]);
  });
});

describe('selection', () => {
  it('ranks a small chunk before a large one of the same score, leaving room for more', () => {
    const chunks = lined([chunk('big', { tokens: 90 }), chunk('small', { tokens: 10 })]);
    const s = select(chunks, [1, 1], 100);
    expect(s.why).toEqual([undefined, 'relevant']);
  });

  it('tries the best-scoring chunk first, even when smaller ones are worth more per token', () => {
    const chunks = lined([chunk('long function', { tokens: 70 }), chunk('a', { tokens: 10 }), chunk('b', { tokens: 10 }), chunk('c', { tokens: 10 })]);
    const s = select(chunks, [1, 0.8, 0.8, 0.8], 100);
    expect(s.why.map((w) => w !== undefined)).toEqual([true, true, true, false]);
  });

  it('sends a split function whole when one of its parts is relevant and the whole fits', () => {
    const parts = lined([
      chunk('const outer = () => {', { kind: 'header', names: ['outer'], splitFunction: true, footer: 3 }),
      chunk('function a() {}', { parent: 0 }),
      chunk('function b() {}', { parent: 0 }),
      chunk('};', { kind: 'footer', parent: 0 }),
      chunk('other', { tokens: 30 }),
    ]);
    const kept = select(parts, [0, 1, 0, 0, 0.9], 60).why.map((w) => w !== undefined);
    expect(kept).toEqual([true, true, true, true, false]);
  });

  it(`sends a split function by parts when it is over ${WHOLE_FUNCTION_TOKENS} tokens`, () => {
    const parts = lined([
      chunk('const outer = () => {', { kind: 'header', names: ['outer'], splitFunction: true, footer: 3 }),
      chunk('function a() {}', { parent: 0 }),
      chunk('function b() {}', { parent: 0, tokens: WHOLE_FUNCTION_TOKENS }),
      chunk('};', { kind: 'footer', parent: 0 }),
    ]);
    expect(select(parts, [0, 1, 0, 0], 10 * WHOLE_FUNCTION_TOKENS).why).toEqual(['structure', 'relevant', undefined, 'structure']);
  });
});

describe('token count', () => {
  it('counts the length of the formatted context without building it', () => {
    const items: ContextItem[] = [{ ...item, text: 'const a = 1;\n' }, { kind: 'selection', path: 'b.md', text: '```js\nx\n```' }];
    expect(formattedLength(items)).toBe(formatContext(items, Number.POSITIVE_INFINITY).text.length);
  });
});

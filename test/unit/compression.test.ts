// Ranking, budget selection, elision markers and the coverage gate of context compression.
import { describe, expect, it } from 'vitest';
import { bm25Scores } from '../../src/core/context/bm25';
import { codeTerms, questionIdentifiers, termDoc } from '../../src/core/context/codeTokens';
import { ContextCompressor, contextTokens } from '../../src/core/context/compressor';
import { selectChunks, MIN_COVERAGE } from '../../src/core/context/select';
import { renderKept } from '../../src/core/context/render';
import { elisionMarker } from '../../src/core/context/languages';
import { cloudBudget, OUTPUT_RESERVE_TOKENS } from '../../src/core/context/budget';
import { parseContextSettings, DEFAULT_CONTEXT_SETTINGS } from '../../src/core/context/settings';
import { numCtx } from '../../src/core/context/nodeContext';
import { ContextChunks } from '../../src/core/context/pins';
import type { Chunk } from '../../src/core/context/analyze';
import type { ContextItem } from '../../src/core/types';
import { largeTypeScript } from '../fixtures/codeSamples';

const doc = termDoc;

/** Chunks of one item, one line each, with the given texts. */
function chunksOf(texts: string[], item = 0, names: string[][] = []): Chunk[] {
  return texts.map((text, i) => ({ ...doc(text), item, startLine: i, endLine: i + 1, text: `${text}\n`, tokens: 10, kind: 'block', names: names[i] ?? [], nameDoc: doc((names[i] ?? []).join(' ')) }));
}

const file = (text: string, over: Partial<ContextItem> = {}): ContextItem => ({ kind: 'file', path: 'f.ts', language: 'typescript', text, origin: 'active', ...over });

describe('code-aware terms', () => {
  it('splits identifiers at case changes and underscores, stems the parts and keeps the whole identifier', () => {
    expect(codeTerms('parseHTTPResponse')).toEqual(['parsehttpresponse', 'pars', 'http', 'respons']);
    expect(codeTerms('max_retry_count')).toEqual(['max_retry_count', 'max', 'retri', 'count']);
    expect(codeTerms('Parses the responses')).toEqual(['pars', 'the', 'respons']);
  });

  it('finds the identifiers a question names, not its English words', () => {
    expect(questionIdentifiers('Why does parseConfig throw when user_id is `null`, and what does retry() do?')).toEqual(['null', 'parseConfig', 'user_id', 'retry']);
    expect(questionIdentifiers('How does the cache work?')).toEqual([]);
  });
});

describe('BM25', () => {
  it('ranks the document with the query terms first', () => {
    const docs = [doc('function add(a, b) { return a + b }'), doc('function parseHeader(line) { return line.split(":") }'), doc('const x = 1')];
    const scores = bm25Scores(docs, codeTerms('how is a header line parsed'));
    expect(scores.indexOf(Math.max(...scores))).toBe(1);
    expect(scores[2]).toBe(0);
  });

  it('weighs a rare term above a common one', () => {
    const docs = [doc('value value cache'), doc('value token'), doc('value'), doc('value')];
    // In the first document "value" occurs twice and "cache" once, but only "cache" tells the documents apart.
    const cache = bm25Scores(docs, ['cach'])[0]!;
    const value = bm25Scores(docs, ['valu'])[0]!;
    expect(cache).toBeGreaterThan(2 * value);
  });

  it('favours the shorter of two documents with the same term count', () => {
    const scores = bm25Scores([doc('retry ' + 'noise '.repeat(50)), doc('retry once')], ['retri']);
    expect(scores[1]!).toBeGreaterThan(scores[0]!);
  });
});

describe('selection', () => {
  const base = { items: [file('')], identifiers: [], queryTerms: [], threshold: 0, hardLimitTokens: 1000 };

  it('keeps the best chunks that fit the budget, counting an elision marker for isolated ones', () => {
    const chunks = chunksOf(['a', 'b', 'c', 'd']);
    const s = selectChunks({ ...base, chunks, scores: [0.1, 0.9, 0.2, 0.8], budgetTokens: 36 });
    expect(s.why).toEqual([undefined, 'relevant', undefined, 'relevant']);
    expect(s.usedTokens).toBe(36);
  });

  it('leaves out chunks under the relevance threshold even when the budget has room', () => {
    const chunks = chunksOf(['a', 'b', 'c']);
    const s = selectChunks({ ...base, chunks, scores: [1, 0.5, 0.05], budgetTokens: 1000, threshold: 0.1 });
    expect(s.why).toEqual(['relevant', 'relevant', undefined]);
  });

  it('keeps the definition of an identifier the question names, past the budget', () => {
    const chunks = chunksOf(['function other() {}', 'function target() {}', 'target()'], 0, [['other'], ['target'], []]);
    const s = selectChunks({ ...base, chunks, scores: [1, 0, 0.5], budgetTokens: 5, identifiers: ['target'] });
    expect(s.why[1]).toBe('identifier');
    expect(s.notes.join()).toMatch(/over the 5-token budget/);
  });

  it('keeps the chunk the cursor is in, selections and pinned lines whole', () => {
    const items: ContextItem[] = [file('', { pinnedLines: [[2, 3]] }), { kind: 'selection', path: 's.ts', text: 'x' }];
    const chunks = [...chunksOf(['a', 'b', 'c', 'd']), ...chunksOf(['s1', 's2'], 1)];
    const s = selectChunks({ ...base, items, chunks, scores: [0, 0, 0, 0, 0, 0], cursorChunk: 0, budgetTokens: 0 });
    expect(s.why).toEqual(['cursor', undefined, 'pinned', undefined, 'attached', 'attached']);
  });

  it('keeps the best part of an attached file that fits the budget, but may drop an open editor', () => {
    const items = [file('', { origin: 'mention', path: 'm.ts' }), file('', { origin: 'openEditor', path: 'o.ts' })];
    const chunks = [...chunksOf(['m1', 'm2'], 0), ...chunksOf(['o1'], 1)];
    const s = selectChunks({ ...base, items, chunks, scores: [0, 0.2, 1], budgetTokens: 18, threshold: 2 });
    expect(s.why).toEqual([undefined, 'attached', undefined]);
  });

  it('leaves an attached file out whole when not even its best part fits the budget, and says so', () => {
    const items = [file('', { origin: 'mention', path: 'm.ts' })];
    const s = selectChunks({ ...base, items, chunks: chunksOf(['m1', 'm2']), scores: [0, 0.2], budgetTokens: 17 });
    expect(s.why).toEqual([undefined, undefined]);
    expect(s.notes).toContain('1 attached file left out whole: not even the best part fits the 17-token budget');
  });

  it("counts an item's label and fence with its first kept chunk", () => {
    const items = [file('', { path: 'a.ts' }), file('', { path: 'b.ts' })];
    const chunks = [...chunksOf(['a'], 0), ...chunksOf(['b'], 1)];
    const s = selectChunks({ ...base, items, chunks, scores: [1, 0.9], budgetTokens: 25, itemTokens: [12, 12] });
    expect(s.why).toEqual(['relevant', undefined]);
    expect(s.usedTokens).toBe(22);
  });

  it(`sends more when the kept chunks cover under ${MIN_COVERAGE * 100}% of the question's terms`, () => {
    const texts = ['alpha alpha alpha', 'beta', 'gamma', 'delta', 'unrelated'];
    const chunks = chunksOf(texts);
    const queryTerms = codeTerms('alpha beta gamma delta');
    const s = selectChunks({ ...base, chunks, scores: [1, 0.01, 0.01, 0.01, 0], budgetTokens: 18, queryTerms });
    expect(s.coverage).toBeGreaterThanOrEqual(MIN_COVERAGE);
    expect(s.why.filter((w) => w === 'coverage').length).toBeGreaterThan(0);
    expect(s.why[4]).toBeUndefined();
    expect(s.notes.join()).toMatch(/relevance coverage was 25%/);
  });

  it('brings the header and footer of a kept member along', () => {
    const chunks = chunksOf(['class A {', 'm1() {}', 'm2() {}', '}']);
    chunks[1]!.parent = 0;
    chunks[2]!.parent = 0;
    chunks[3]!.parent = 0;
    chunks[0]!.footer = 3;
    const s = selectChunks({ ...base, chunks, scores: [0, 0, 1, 0], budgetTokens: 100 });
    expect(s.why).toEqual(['structure', undefined, 'relevant', 'structure']);
  });
});

describe('rendering', () => {
  it('keeps kept chunks in file order and marks each dropped run with its line count in the file\'s comment syntax', () => {
    const text = 'a\nb\nc\nd\ne\n';
    const item = file(text);
    const chunks = chunksOf(['a', 'b', 'c', 'd', 'e']);
    const [out] = renderKept([item], chunks, [true, false, false, true, false]);
    expect(out!.text).toBe('a\n// ... 2 lines omitted ...\nd\n// ... 1 line omitted ...');
  });

  it('writes markers as Python, Markdown and plain-text notes', () => {
    expect(elisionMarker(3, 'python', 'x.py', '    ')).toBe('    # ... 3 lines omitted ...');
    expect(elisionMarker(1, undefined, 'README.md')).toBe('<!-- ... 1 line omitted ... -->');
    expect(elisionMarker(5, undefined, 'notes.txt')).toBe('[... 5 lines omitted ...]');
  });

  it('leaves out an item with nothing kept', () => {
    expect(renderKept([file('a\n')], chunksOf(['a']), [false])).toEqual([]);
  });
});

describe('compressor', () => {
  const compressor = new ContextCompressor();
  const { text, names } = largeTypeScript(60);

  it('sends a context within the budget whole', async () => {
    const items = [file('export const x = 1;\n')];
    const { items: out, report } = await compressor.compress('what is x', items, { budgetTokens: 1000, threshold: 0.1 });
    expect(out).toEqual(items);
    expect(report).toMatchObject({ compressed: false, chunks: [] });
  });

  it('compresses a large file to the budget, keeping the function the question names and the file\'s shape', async () => {
    const target = names[37]!;
    const before = contextTokens([file(text)]);
    const { items: out, report } = await compressor.compress(`Why does ${target} throw?`, [file(text)], { budgetTokens: 1000, threshold: 0.1 });
    expect(report.compressed).toBe(true);
    expect(report.tokensBefore).toBe(before);
    expect(report.tokensAfter).toBeLessThanOrEqual(1000 + 20);
    expect(out[0]!.text).toContain(`export function ${target}(`);
    expect(out[0]!.text).toMatch(/\/\/ \.\.\. \d+ lines omitted \.\.\./);
    expect(report.chunks.find((c) => c.names?.includes(target))).toMatchObject({ kept: true, why: 'identifier' });
    expect(report.chunks.filter((c) => !c.kept).length).toBeGreaterThan(40);
  });

  it('parses a file prepared ahead once: the question that follows only ranks and selects', async () => {
    const fresh = new ContextCompressor();
    const items = [file(text, { path: 'ahead.ts' })];
    expect((await fresh.prepare(items)).parsed).toBe(1);
    expect((await fresh.prepare(items)).parsed).toBe(0);
    const { report } = await fresh.compress(`Why does ${names[3]} throw?`, items, { budgetTokens: 1000, threshold: 0.1 });
    expect(report.itemsParsed).toBe(0);
    const edited = [file(`${text}// edited\n`, { path: 'ahead.ts' })];
    expect((await fresh.compress(`Why does ${names[3]} throw?`, edited, { budgetTokens: 1000, threshold: 0.1 })).report.itemsParsed).toBe(1);
  });
});

describe('budget', () => {
  it('takes the setting within what the model window leaves for context', () => {
    expect(cloudBudget('gpt-4o', 6000, 1000)).toEqual({ budgetTokens: 4800, hardLimitTokens: 6000 });
    expect(cloudBudget('gpt-4', 6000, 1000).hardLimitTokens).toBe(8192 - 1000 - OUTPUT_RESERVE_TOKENS);
  });
});

describe('node window', () => {
  it('leaves num_ctx unset while Ollama\'s default window holds the prompt and answer', () => {
    expect(numCtx(2000, 2048, 16_384)).toBeUndefined();
  });

  it('asks for the smallest doubling from 8192 that holds them, never over the allowed window', () => {
    expect(numCtx(3000, 2048, 16_384)).toBe(8192);
    expect(numCtx(9000, 2048, 65_536)).toBe(16_384);
    expect(numCtx(40_000, 2048, 16_384)).toBe(16_384);
    expect(numCtx(5000, 2048, 6000)).toBe(6000);
  });
});

describe('settings', () => {
  it('reads valid values and reports invalid ones, keeping the defaults for them', () => {
    expect(parseContextSettings({ budgetTokens: 2000, embeddingModel: ' nomic-embed-text ' }).settings).toMatchObject({ budgetTokens: 2000, embeddingModel: 'nomic-embed-text' });
    const bad = parseContextSettings({ budgetTokens: 10, relevanceThreshold: 2, compression: 'yes', nodeContextTokens: 512 });
    expect(bad.settings).toMatchObject({ budgetTokens: DEFAULT_CONTEXT_SETTINGS.budgetTokens, relevanceThreshold: 0.1, compression: true, nodeContextTokens: 16_384 });
    expect(bad.problems).toHaveLength(4);
  });
});

describe('pins', () => {
  it('marks pinned lines in a file that is attached again, and brings a pinned chunk whose file is not', () => {
    const chunks = new ContextChunks();
    chunks.remember('r1', 'c1', [file('a\nb\nc\n', { path: 'x.ts' })]);
    expect(chunks.text('r1', { path: 'x.ts', startLine: 1, endLine: 2 })).toBe('b');
    expect(chunks.togglePin('r1', { path: 'x.ts', startLine: 1, endLine: 2 })).toBe(true);
    expect(chunks.withPins('c1', [file('a\nb\nc\n', { path: 'x.ts' })])[0]!.pinnedLines).toEqual([[1, 2]]);
    expect(chunks.withPins('c1', [])).toEqual([{ kind: 'selection', path: 'x.ts:2-2', text: 'b', origin: 'pin', language: 'typescript' }]);
    expect(chunks.withPins('other', [])).toEqual([]);
    expect(chunks.togglePin('r1', { path: 'x.ts', startLine: 1, endLine: 2 })).toBe(false);
    expect(chunks.withPins('c1', [])).toEqual([]);
  });
});

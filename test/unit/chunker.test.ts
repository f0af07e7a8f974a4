// Chunk boundaries by logical blocks: tree-sitter per language, Markdown sections, paragraphs.
import { describe, expect, it } from 'vitest';
import { Chunker } from '../../src/core/context/chunker';
import { TreeSitter } from '../../src/core/context/treeSitter';
import { lineStarts, MAX_CHUNK_TOKENS } from '../../src/core/context/chunkTypes';
import { spansOfMarkdown, spansOfParagraphs } from '../../src/core/context/chunkText';
import { SAMPLES, largeTypeScript } from '../fixtures/codeSamples';

const chunker = new Chunker(new TreeSitter());
const lines = (text: string) => text.split('\n');

/** Line range [start, end) of a declaration: from the line naming it to its closing line. */
function declarationLines(text: string, name: string): [number, number] {
  const ls = lines(text);
  const start = ls.findIndex((l) => new RegExp(`\\b${name}\\b`).test(l) && !/^\s*(\/\/|\/\*|#|"""|\*)/.test(l));
  let end = start + 1;
  while (end < ls.length && ls[end]!.trim() !== '' && !/^(export |pub |func |def |class |struct |int |void |type |impl )/.test(ls[end]!)) end++;
  return [start, end];
}

describe('chunker', () => {
  it.each(SAMPLES.map((s) => [s.language, s] as const))('keeps every %s declaration whole, in one chunk that names it', async (_language, sample) => {
    const { spans, method } = await chunker.chunk(sample);
    expect(method).not.toBe('paragraphs');
    // Spans tile the file: no gap, no overlap.
    expect(spans[0]!.startLine).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.startLine).toBe(spans[i - 1]!.endLine);
    expect(spans.at(-1)!.endLine).toBe(lineStarts(sample.text).length - 1);
    for (const name of sample.declarations) {
      const [start, end] = declarationLines(sample.text, name);
      const holders = spans.filter((s) => s.startLine < end && start < s.endLine);
      expect(holders, `${name} in ${sample.path}`).toHaveLength(1);
      expect(holders[0]!.names).toContain(name);
    }
  });

  it('keeps a doc comment in the chunk of the function it documents', async () => {
    const ts = SAMPLES.find((s) => s.language === 'typescript')!;
    const { spans } = await chunker.chunk(ts);
    const add = spans.find((s) => s.names.includes('add'))!;
    expect(lines(ts.text)[add.startLine]).toBe('/** Adds two numbers. */');
  });

  it('splits a class larger than the chunk size into header, whole methods and footer', async () => {
    const methods = largeTypeScript(12).text.replace(/export function (\w+)/g, '$1').replace(/^import.*\n/, '');
    const text = `export class Big {\n${methods}}\n`;
    const { spans } = await chunker.chunk({ path: 'big.ts', language: 'typescript', text });
    expect(spans[0]).toMatchObject({ kind: 'header', names: ['Big'] });
    expect(spans.at(-1)).toMatchObject({ kind: 'footer', parent: 0 });
    const members = spans.filter((s) => s.kind === 'block');
    expect(members).toHaveLength(12);
    expect(members.every((m) => m.parent === 0 && m.names.length === 1)).toBe(true);
  });

  it('never splits a function without nested declarations, however long', async () => {
    const body = Array.from({ length: 400 }, (_, i) => `  total += ${i};`).join('\n');
    const text = `export function long(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
    const { spans } = await chunker.chunk({ path: 'long.ts', language: 'typescript', text });
    expect(spans).toHaveLength(1);
    expect(spans[0]!.names).toEqual(['long']);
  });

  it('never splits an exported arrow function without nested declarations either', async () => {
    const body = Array.from({ length: 400 }, (_, i) => `  total += ${i};`).join('\n');
    const text = `export const long = (): number => {\n  let total = 0;\n${body}\n  return total;\n};\n`;
    const { spans } = await chunker.chunk({ path: 'long.ts', language: 'typescript', text });
    expect(spans).toHaveLength(1);
    expect(spans[0]!.names).toEqual(['long']);
  });

  it('marks the header of a function split at its nested declarations, and not that of a class', async () => {
    const helpers = largeTypeScript(12).text.replace(/export function/g, 'function').replace(/^import.*\n/, '');
    const fn = await chunker.chunk({ path: 'outer.ts', language: 'typescript', text: `export const outer = () => {\n${helpers}  return 1;\n};\n` });
    expect(fn.spans[0]).toMatchObject({ kind: 'header', names: ['outer'], splitFunction: true });
    const methods = helpers.replace(/function (\w+)/g, '$1');
    const cls = await chunker.chunk({ path: 'big.ts', language: 'typescript', text: `export class Big {\n${methods}}\n` });
    expect(cls.spans[0]!.kind).toBe('header');
    expect(cls.spans[0]!.splitFunction).toBeUndefined();
  });

  it('splits Markdown at headings, not inside code fences', () => {
    const text = '# Title\nintro\n\n## Install\nrun it\n```sh\n# not a heading\n```\n\n## Use\ncall it\n';
    const spans = spansOfMarkdown(text, lineStarts(text));
    expect(spans.map((s) => s.names[0])).toEqual(['Title', 'Install', 'Use']);
    expect(spans.map((s) => s.startLine)).toEqual([0, 3, 9]);
  });

  it('splits other text by paragraphs, grouped, and cuts a paragraph too long on its own between lines', () => {
    const long = Array.from({ length: 300 }, (_, i) => `line ${i} of a long log without blank lines`).join('\n');
    const text = `first paragraph\n\nsecond paragraph\n\n${long}\n`;
    const spans = spansOfParagraphs(text, lineStarts(text));
    expect(spans[0]).toMatchObject({ startLine: 0 });
    for (const s of spans) {
      const chars = lines(text).slice(s.startLine, s.endLine).join('\n').length;
      expect(chars / 4).toBeLessThanOrEqual(MAX_CHUNK_TOKENS + 20);
    }
    expect(spans.length).toBeGreaterThan(3);
  });

  it('uses paragraphs for a language no shipped grammar covers', async () => {
    const { method } = await chunker.chunk({ path: 'notes.txt', text: 'a\n\nb\n' });
    expect(method).toBe('paragraphs');
  });
});

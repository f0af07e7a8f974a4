// Incremental re-parsing: the edit between two versions of a file, and chunks of an edited file that are
// the same whether its tree was re-used or it was parsed whole.
import { describe, expect, it } from 'vitest';
import { parseInSlices, pointAt, textEdit } from '../../src/core/context/incrementalParse';
import { Chunker } from '../../src/core/context/chunker';
import { TreeSitter } from '../../src/core/context/treeSitter';
import { largeTypeScript } from '../fixtures/codeSamples';

describe('text edit', () => {
  it('is the range between the common prefix and suffix, with rows and columns', () => {
    expect(textEdit('const a = 1;\nconst b = 2;\n', 'const a = 1;\nconst bee = 2;\n')).toEqual({
      startIndex: 20,
      oldEndIndex: 20,
      newEndIndex: 22,
      startPosition: { row: 1, column: 7 },
      oldEndPosition: { row: 1, column: 7 },
      newEndPosition: { row: 1, column: 9 },
    });
  });

  it('covers a deleted line and an append at the end', () => {
    expect(textEdit('a\nb\nc', 'a\nc')).toMatchObject({ startIndex: 2, oldEndIndex: 4, newEndIndex: 2, oldEndPosition: { row: 2, column: 0 } });
    expect(textEdit('a\nb', 'a\nb\nc')).toMatchObject({ startIndex: 3, oldEndIndex: 3, newEndIndex: 5, newEndPosition: { row: 2, column: 1 } });
  });

  it('is nothing for the same text', () => {
    expect(textEdit('same', 'same')).toBeUndefined();
  });

  it('counts columns in UTF-16 code units, as web-tree-sitter does', () => {
    expect(pointAt('é😀x\ny', 4)).toEqual({ row: 0, column: 4 });
  });
});

describe('incremental parse', () => {
  it('chunks every version of an edited file as a whole parse of that version does', async () => {
    const incremental = new Chunker(new TreeSitter());
    const whole = new Chunker(new TreeSitter());
    const { text, names } = largeTypeScript(40);
    const versions = [
      text,
      text.replace(`export function ${names[10]}(`, `export function ${names[10]}Renamed(`),
      text.replace(`export function ${names[20]}(`, `export class Inserted {\n  run(): void {}\n}\n\nexport function ${names[20]}(`),
      text.slice(0, text.indexOf(`/** ${names[30]}`)),
      `// a header comment\n${text}`,
    ];
    for (const [k, version] of versions.entries()) {
      const kept = await incremental.chunk({ path: 'edited.ts', language: 'typescript', text: version });
      // A new path each time: nothing kept, parsed whole.
      const fresh = await whole.chunk({ path: `fresh-${k}.ts`, language: 'typescript', text: version });
      expect(kept.spans).toEqual(fresh.spans);
    }
  });
});

describe('a parse in slices', () => {
  it('lets the event loop run between slices and gives the tree a whole parse gives', async () => {
    const treeSitter = new TreeSitter();
    const parser = await treeSitter.parser('typescript');
    const { text } = largeTypeScript(600);
    const whole = parser.parse(text)!;
    let pauses = 0;
    const sliced = (await parseInSlices(parser, text, null, async () => {
      pauses++;
      await new Promise((resolve) => setImmediate(resolve));
    }))!;
    expect(pauses).toBeGreaterThan(0);
    expect(sliced.rootNode.toString()).toBe(whole.rootNode.toString());
    whole.delete();
    sliced.delete();
  });

  it('queues parses with one grammar, so a halted parse is never resumed on another file', async () => {
    const treeSitter = new TreeSitter();
    const big = largeTypeScript(600).text;
    const small = 'export const one = 1;\n';
    const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
    const [a, b] = await Promise.all([
      treeSitter.withTree('typescript', 'big.ts', big, (tree) => tree.rootNode.endIndex, pause),
      treeSitter.withTree('typescript', 'small.ts', small, (tree) => tree.rootNode.endIndex, pause),
    ]);
    expect([a, b]).toEqual([big.length, small.length]);
    treeSitter.releaseTrees();
  });
});

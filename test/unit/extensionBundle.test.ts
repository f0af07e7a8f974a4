// The extension runs its bundle through V8's code cache (src/extensionLoader.ts), and a script compiled from the
// cache loses Node's dynamic-import callback: an import() left in the bundle fails there ("A dynamic import
// callback was not specified"), taking the router's model, sharp and the tree-sitter grammars with it.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const BUNDLE = 'dist/extensionMain.js';

describe('the extension bundle', () => {
  it('has no dynamic import() and no require shadowed by a hoisted var (npm run build makes it)', () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`).toBe(true);
    const code = readFileSync(BUNDLE, 'utf8');
    // (one SDK message names `import('node:buffer')` in its text)
    expect(code.match(/(?<!`)\bimport\(\s*["'`]/g) ?? []).toEqual([]);
    expect(code.match(/\bvar require\b/g) ?? []).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { insertionText } from '../../src/vscode/insertion';

describe('Insert at the cursor', () => {
  it('ends the block with a line break when code follows the cursor on its line', () => {
    expect(insertionText('function a() {\n}', '', 'export function b() {}')).toBe('function a() {\n}\n');
  });

  it('starts the block on a new line when code precedes the cursor on its line', () => {
    expect(insertionText('const x = 1;\n', 'let y = 2;', '')).toBe('\nconst x = 1;');
  });

  it('inserts the block as it is on an empty line', () => {
    expect(insertionText('const x = 1;\n', '  ', '')).toBe('const x = 1;');
  });
});

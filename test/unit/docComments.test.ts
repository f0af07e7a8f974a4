import { describe, expect, it } from 'vitest';
import { hasDocComment, planDocComments } from '../../src/core/edits/docComments';

const TS = 'export function add(a: number, b: number) {\n  return a + b;\n}\n\nclass Counter {\n  increment() {\n    this.n++;\n  }\n}\n';
const PY = 'def greet(name):\n    return f"hello {name}"\n';

const plan = (file: string, language: string, answer: string, line = 0, name = 'f') => planDocComments(file, language, [{ name, line, answer }]);

describe('Write Doc Comments: where each comment goes', () => {
  it('inserts a bare JSDoc answer above the function', () => {
    expect(plan(TS, 'typescript', '/**\n * Adds two numbers.\n */', 0, 'add').inserts).toEqual([{ name: 'add', line: 0, text: '/**\n * Adds two numbers.\n */\n' }]);
  });

  it('indents the comment of a method like the method', () => {
    expect(plan(TS, 'typescript', '/** Counts one more. */', 5).inserts[0]!.text).toBe('  /** Counts one more. */\n');
  });

  it('takes the comment out of a fenced answer and drops the function the model repeated after it', () => {
    const answer = 'Here you go:\n\n```ts\n/**\n * Adds a and b.\n */\nexport function add(a: number, b: number) {\n```';
    expect(plan(TS, 'typescript', answer).inserts[0]!.text).toBe('/**\n * Adds a and b.\n */\n');
  });

  it('wraps a prose answer in a doc comment, up to the first blank line', () => {
    expect(plan(TS, 'typescript', 'Adds two numbers.\nReturns their sum.\n\nfunction add() {}').inserts[0]!.text).toBe('/**\n * Adds two numbers.\n * Returns their sum.\n */\n');
  });

  it('escapes a comment terminator inside prose so the comment is not ended early', () => {
    expect(plan(TS, 'typescript', 'Matches */ in text.').inserts[0]!.text).toBe('/**\n * Matches *\\/ in text.\n */\n');
  });

  it('puts a Python docstring first in the body, indented like the body', () => {
    expect(plan(PY, 'python', '"""Greets someone by name."""').inserts[0]).toEqual({ name: 'f', line: 1, text: '    """Greets someone by name."""\n' });
  });

  it('turns a Python answer written as # comments into a docstring', () => {
    expect(plan(PY, 'python', '# Greets someone.\n# Returns the greeting.').inserts[0]!.text).toBe('    """\n    Greets someone.\n    Returns the greeting.\n    """\n');
  });

  it('uses /// lines for Rust', () => {
    expect(plan('fn add() {}\n', 'rust', 'Adds numbers.').inserts[0]!.text).toBe('/// Adds numbers.\n');
  });

  it('keeps the file\'s CRLF line breaks', () => {
    expect(plan(TS.replace(/\n/g, '\r\n'), 'typescript', 'Adds.').inserts[0]!.text).toBe('/**\r\n * Adds.\r\n */\r\n');
  });

  it('skips a function whose request failed, with the reason', () => {
    const result = planDocComments(TS, 'typescript', [{ name: 'add', line: 0, error: 'timed out' }]);
    expect(result).toEqual({ inserts: [], skipped: [{ name: 'add', reason: 'timed out' }] });
  });

  it('skips an empty answer', () => {
    expect(plan(TS, 'typescript', '  \n').skipped).toEqual([{ name: 'f', reason: 'the answer held no comment' }]);
  });
});

describe('Write Doc Comments: functions already documented', () => {
  it('sees a JSDoc comment above a function', () => {
    expect(hasDocComment('/** Adds. */\nfunction add() {}\n', 'typescript', 1)).toBe(true);
  });

  it('does not take the end of the previous function for a comment', () => {
    expect(hasDocComment('function a() {\n}\n\nfunction b() {}\n', 'typescript', 3)).toBe(false);
  });

  it('sees a Python docstring in the body', () => {
    expect(hasDocComment('def f():\n    """Does f."""\n    pass\n', 'python', 0)).toBe(true);
    expect(hasDocComment(PY, 'python', 0)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { planApply, type ApplyPlan } from '../../src/core/edits/applyPlan';

const FILE = [
  "import { log } from './log';",
  '',
  '/** Adds. */',
  'export function add(a: number, b: number) {',
  '  return a + b;',
  '}',
  '',
  'export class Counter {',
  '  private n = 0;',
  '  increment() {',
  '    if (this.n > 9) {',
  '      log("{ too many");',
  '    }',
  '    this.n++;',
  '  }',
  '}',
  '',
].join('\n');

/** The file after the plan's replacements. */
function applied(file: string, plan: ApplyPlan): string {
  if (plan.kind !== 'replace') throw new Error(`expected replacements, got ${plan.kind}`);
  return [...plan.edits].sort((a, b) => b.start - a.start).reduce((text, e) => text.slice(0, e.start) + e.text + text.slice(e.end), file);
}

describe('Apply to file: what a code block replaces', () => {
  it('replaces the function of the same name and keeps the rest of the file', () => {
    const code = 'export function add(a: number, b: number): number {\n  return b + a;\n}';
    const after = applied(FILE, planApply(FILE, code));
    expect(after).toBe(FILE.replace('export function add(a: number, b: number) {\n  return a + b;\n}', code));
  });

  it('names the declaration it replaces, for the preview', () => {
    const plan = planApply(FILE, 'function add() {}');
    expect(plan.kind === 'replace' && plan.edits.map((e) => e.label)).toEqual(['Replace add (line 4)']);
  });

  it('keeps the file\'s doc comment unless the block brings its own', () => {
    const own = applied(FILE, planApply(FILE, '/** Sums. */\nexport function add() {}'));
    expect(own).toContain('/** Sums. */\nexport function add() {}\n\nexport class');
    expect(own).not.toContain('/** Adds. */');
    expect(applied(FILE, planApply(FILE, 'export function add() {}'))).toContain('/** Adds. */\nexport function add() {}\n');
  });

  it('replaces a method, indented like the one in the class, past braces inside strings', () => {
    const after = applied(FILE, planApply(FILE, 'increment() {\n  this.n += 1;\n}'));
    expect(after).toContain('export class Counter {\n  private n = 0;\n  increment() {\n    this.n += 1;\n  }\n}\n');
    expect(after).not.toContain('too many');
  });

  it('replaces a class with its new version', () => {
    const code = 'export class Counter {\n  n = 1;\n}';
    expect(applied(FILE, planApply(FILE, code))).toBe(FILE.replace(/export class Counter \{[\s\S]*\n\}\n/, `${code}\n`));
  });

  it('replaces the whole file when the block redefines everything the file declares', () => {
    const code = "import { log } from './log';\n\nexport function add() {}\n\nexport class Counter {}\n";
    const plan = planApply(FILE, code);
    expect(plan.kind === 'replace' && plan.edits.map((e) => e.label)).toEqual(['Replace the whole file']);
    expect(applied(FILE, plan)).toBe(code);
  });

  it('brings a new helper along with the function it follows in the block', () => {
    const after = applied(FILE, planApply(FILE, 'export function add(a: number, b: number) {\n  return sum(a, b);\n}\n\nfunction sum(a: number, b: number) {\n  return a + b;\n}'));
    expect(after).toContain('  return sum(a, b);\n}\n\nfunction sum(a: number, b: number) {\n  return a + b;\n}\n\nexport class Counter');
  });

  it('asks for an insert at the cursor when the block declares nothing the file has', () => {
    expect(planApply(FILE, 'export function subtract(a: number, b: number) {\n  return a - b;\n}')).toEqual({ kind: 'insert' });
    expect(planApply(FILE, 'console.log(add(1, 2));')).toEqual({ kind: 'insert' });
  });

  it('does not take a local variable for the declaration a block replaces', () => {
    const file = 'function f() {\n  const total = 1;\n  return total;\n}\n';
    expect(planApply(file, 'const total = 2;')).toEqual({ kind: 'insert' });
  });

  it('replaces a Python function down to where its indentation ends', () => {
    const file = 'def greet(name):\n    d = {}\n    return f"hello {name}"\n\n\ndef other():\n    pass\n';
    const after = applied(file, planApply(file, 'def greet(name):\n    return f"hi {name}"\n'));
    expect(after).toBe('def greet(name):\n    return f"hi {name}"\n\n\ndef other():\n    pass\n');
  });

  it('keeps CRLF line breaks', () => {
    const file = FILE.replace(/\n/g, '\r\n');
    const after = applied(file, planApply(file, 'export function add() {\n  return 0;\n}'));
    expect(after).toContain('export function add() {\r\n  return 0;\r\n}\r\n\r\nexport class');
  });
});

// Finds named declarations (functions, methods, classes, types, variables) in source text and the lines
// each spans, without a parser per language: "Apply to file" only needs to recognise the declaration a
// code block replaces, and a line pattern plus brace or indentation counting does that for the usual languages.

import { leadingWhitespace } from './lines';

export interface Declaration {
  name: string;
  /** Line of the declaration itself (0-based). */
  line: number;
  /** First line of the comments and decorators directly above it (== line when there are none). */
  headLine: number;
  /** Line after its last one. */
  endLine: number;
  indent: string;
  /** `const`/`let`/`var`: inside a function that is a local, not something a code block replaces. */
  variable: boolean;
}

const MODIFIERS = '(?:(?:export|default|declare|public|private|protected|internal|static|async|abstract|final|override|readonly|pub(?:\\([^)]*\\))?|unsafe|extern|inline|virtual|open|data|sealed)\\s+)*';
/** `function f`, `class C`, `def f`, `fn f`, `func (r T) f`, `const x`, … */
const KEYWORD_DECLARATION = new RegExp(
  `^(\\s*)${MODIFIERS}(?:function\\*?|class|interface|type|enum|const|let|var|def|fn|func|fun|struct|trait|impl|namespace|module|object|record)\\s+(?:\\([^)]*\\)\\s*)?([A-Za-z_$][\\w$]*)`,
);
/** A method in a class body: `name(params) {` or `name(params): Type {` on one line, no strings in between (a call is not one). */
const METHOD = new RegExp(`^(\\s*)${MODIFIERS}(?:get\\s+|set\\s+)?\\*?([A-Za-z_$][\\w$]*)\\s*(?:<[^>'"\`]*>)?\\s*\\((?:[^()'"\`]|\\([^()'"\`]*\\))*\\)\\s*(?::\\s*[^={'"\`]+)?\\{\\s*$`);
const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'new', 'else', 'do', 'try', 'with', 'await', 'typeof', 'super', 'this']);
const PYTHON_BLOCK = /^\s*(?:async\s+)?(?:def|class)\b/;
/** Lines that belong to the declaration below them: comments and decorators. */
const ATTACHED = /^\s*(?:\/\/|\/\*|\*|#(?!include|define|if|endif|pragma)|@|""")/;

const VARIABLE = /^\s*(?:export\s+)?(?:const|let|var)\s/;

function declarationAt(text: string): Pick<Declaration, 'name' | 'indent' | 'variable'> | undefined {
  const keyword = KEYWORD_DECLARATION.exec(text);
  if (keyword) return { indent: keyword[1]!, name: keyword[2]!, variable: VARIABLE.test(text) };
  const method = METHOD.exec(text);
  if (method && !NOT_METHODS.has(method[2]!)) return { indent: method[1]!, name: method[2]!, variable: false };
  return undefined;
}

/** Every declaration, at any depth, in file order. */
export function declarations(text: string): Declaration[] {
  const lines = text.split(/\r?\n/);
  const found: Declaration[] = [];
  for (let line = 0; line < lines.length; line++) {
    const at = declarationAt(lines[line]!);
    if (!at) continue;
    let headLine = line;
    while (headLine > 0 && ATTACHED.test(lines[headLine - 1]!)) headLine--;
    found.push({ ...at, line, headLine, endLine: declarationEnd(lines, line, at.indent) });
  }
  return found;
}

/**
 * The line after a declaration: where its braces close, where its statement ends with `;` before any brace opens,
 * or (a Python-style `…:` block) where the indentation comes back to the declaration's.
 */
export function declarationEnd(lines: readonly string[], line: number, indent: string): number {
  const scanner = new BraceScanner();
  for (let i = line; i < lines.length; i++) {
    const text = lines[i]!;
    const code = text.replace(/\s*(?:\/\/|#).*$/, '').trimEnd();
    if (scanner.depth === 0 && !scanner.inside && code.endsWith(':') && PYTHON_BLOCK.test(lines[line]!)) return indentedBlockEnd(lines, i + 1, indent);
    scanner.scan(text);
    if (scanner.opened && scanner.depth <= 0) return i + 1;
    if (!scanner.opened && !scanner.inside && code.endsWith(';')) return i + 1;
  }
  return lines.length;
}

function indentedBlockEnd(lines: readonly string[], from: number, indent: string): number {
  let last = from - 1;
  for (let i = from; i < lines.length; i++) {
    const text = lines[i]!;
    if (!text.trim()) continue;
    if (leadingWhitespace(text).length <= indent.length) break;
    last = i;
  }
  return last + 1;
}

/** Counts braces across lines, skipping strings and comments. */
class BraceScanner {
  depth = 0;
  opened = false;
  private state: 'code' | 'block-comment' | 'template' = 'code';

  /** Inside a multi-line comment or template string at the end of the last line. */
  get inside(): boolean {
    return this.state !== 'code';
  }

  scan(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.state === 'block-comment') {
        if (c === '*' && text[i + 1] === '/') (this.state = 'code'), i++;
      } else if (this.state === 'template') {
        if (c === '\\') i++;
        else if (c === '`') this.state = 'code';
      } else if (c === '/' && text[i + 1] === '/') return;
      else if (c === '/' && text[i + 1] === '*') (this.state = 'block-comment'), i++;
      else if (c === '`') this.state = 'template';
      else if (c === '"' || c === "'") i = stringEnd(text, i);
      else if (c === '{') (this.depth++, (this.opened = true));
      else if (c === '}') this.depth--;
    }
  }
}

function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

// Write Doc Comments: which comment goes where, given the file and the model's answers. Models answer with a
// bare comment, a fenced one, prose, or the comment followed by the function again; only a well-formed comment
// in the language's style, indented like the function, is inserted. Pure, so the editor only has to apply it.

import { leadingWhitespace, trimBlankLines } from './lines';

type CommentStyle = 'block' | 'slashes' | 'tripleSlash' | 'hash' | 'docstring';

const STYLES: Record<string, CommentStyle> = {
  python: 'docstring',
  rust: 'tripleSlash',
  csharp: 'tripleSlash',
  go: 'slashes',
  ruby: 'hash',
  shellscript: 'hash',
  perl: 'hash',
  r: 'hash',
};

const styleOf = (languageId: string): CommentStyle => STYLES[languageId] ?? 'block';

export interface DocTarget {
  name: string;
  /** The function's first line (0-based), as the symbol provider gave it. */
  line: number;
  /** The model's answer; undefined when its request failed (then `error` says why). */
  answer?: string;
  error?: string;
}

/** Insert `text` (whole lines, ending in a line break) at the start of `line`. */
export interface DocInsert {
  name: string;
  line: number;
  text: string;
}

export interface DocPlan {
  inserts: DocInsert[];
  skipped: { name: string; reason: string }[];
}

export function planDocComments(fileText: string, languageId: string, targets: readonly DocTarget[]): DocPlan {
  const lines = fileText.split(/\r?\n/);
  const eol = fileText.includes('\r\n') ? '\r\n' : '\n';
  const style = styleOf(languageId);
  const plan: DocPlan = { inserts: [], skipped: [] };
  for (const t of targets) {
    if (t.answer === undefined) {
      plan.skipped.push({ name: t.name, reason: t.error ?? 'no answer' });
      continue;
    }
    const comment = commentFrom(t.answer, style);
    if (!comment) {
      plan.skipped.push({ name: t.name, reason: 'the answer held no comment' });
      continue;
    }
    const at = style === 'docstring' ? docstringPlace(lines, t.line) : { line: t.line, indent: leadingWhitespace(lines[t.line] ?? '') };
    plan.inserts.push({ name: t.name, line: at.line, text: comment.map((l) => (l ? at.indent + l : l)).join(eol) + eol });
  }
  return plan;
}

/** Whether the function at `line` is documented already (a re-run should not stack a second comment). */
export function hasDocComment(fileText: string, languageId: string, line: number): boolean {
  const lines = fileText.split(/\r?\n/);
  if (styleOf(languageId) === 'docstring') {
    const at = docstringPlace(lines, line);
    return /^\s*[rRuUbB]?("""|''')/.test(lines[at.line] ?? '');
  }
  let above = line - 1;
  while (above >= 0 && !lines[above]!.trim()) above--;
  const text = lines[above]?.trim() ?? '';
  return text.endsWith('*/') || text.startsWith('///') || (styleOf(languageId) !== 'block' && /^(\/\/|#)/.test(text));
}

/** A docstring goes first in the body: after the line that ends the signature, indented like the body. */
function docstringPlace(lines: readonly string[], line: number): { line: number; indent: string } {
  let end = line;
  while (end < lines.length - 1 && !/:\s*(#.*)?$/.test(lines[end]!)) end++;
  const body = lines.slice(end + 1).find((l) => l.trim());
  const own = leadingWhitespace(lines[line] ?? '');
  const indent = body && leadingWhitespace(body).length > own.length ? leadingWhitespace(body) : `${own}    `;
  return { line: end + 1, indent };
}

/** The comment's lines, without indentation, or undefined when the answer holds none. */
function commentFrom(answer: string, style: CommentStyle): string[] | undefined {
  const fenced = /```[^\n]*\n([\s\S]*?)```/.exec(answer);
  const lines = dedent(trimBlankLines((fenced ? fenced[1]! : answer).split(/\r?\n/)));
  if (lines.length === 0) return undefined;
  const first = lines[0]!.trim();
  if (first.startsWith('/*') && style !== 'docstring' && style !== 'hash') {
    const close = lines.findIndex((l) => l.includes('*/'));
    return close < 0 ? undefined : lines.slice(0, close + 1);
  }
  if (style === 'docstring' && /^[rRuU]?("""|''')/.test(first)) return docstringLines(lines);
  const prefix = { block: '//', slashes: '//', tripleSlash: '///', hash: '#', docstring: '#' }[style];
  if (first.startsWith(prefix)) {
    const run = lines.findIndex((l) => !l.trim().startsWith(prefix));
    const comment = lines.slice(0, run < 0 ? lines.length : run);
    return style === 'docstring' ? wrap(comment.map((l) => l.trim().replace(/^#\s?/, '')), style) : comment;
  }
  // Prose: the answer is the comment's text; a fence or a blank line ends it (what follows is usually code).
  const blank = lines.findIndex((l) => !l.trim());
  const prose = fenced || blank < 0 ? lines : lines.slice(0, blank);
  return wrap(prose, style);
}

function docstringLines(lines: string[]): string[] | undefined {
  const quote = /("""|''')/.exec(lines[0]!)![1]!;
  const rest = lines[0]!.slice(lines[0]!.indexOf(quote) + 3);
  if (rest.includes(quote)) return [lines[0]!];
  const close = lines.findIndex((l, i) => i > 0 && l.includes(quote));
  return close < 0 ? undefined : lines.slice(0, close + 1);
}

function wrap(text: string[], style: CommentStyle): string[] {
  switch (style) {
    case 'block':
      // A "*/" in the text would end the comment early.
      return ['/**', ...text.map((l) => ` *${l ? ` ${l.replace(/\*\//g, '*\\/')}` : ''}`), ' */'];
    case 'docstring': {
      const body = text.map((l) => l.replace(/"""/g, '\\"\\"\\"'));
      return body.length === 1 ? [`"""${body[0]}"""`] : ['"""', ...body, '"""'];
    }
    default: {
      const prefix = { slashes: '//', tripleSlash: '///', hash: '#' }[style];
      return text.map((l) => (l ? `${prefix} ${l}` : prefix));
    }
  }
}

function dedent(lines: string[]): string[] {
  const margin = Math.min(...lines.filter((l) => l.trim()).map((l) => leadingWhitespace(l).length));
  return lines.map((l) => l.slice(Math.min(margin, leadingWhitespace(l).length)).trimEnd());
}

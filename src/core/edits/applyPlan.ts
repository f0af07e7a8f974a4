// "Apply to file": what a chat code block replaces in the file. A block that declares what the file already
// declares (same function, method or class name) replaces those declarations; one that covers every top-level
// declaration of the file replaces the whole file; anything else is inserted at the cursor by the caller.

import { declarations, type Declaration } from './declarations';
import { leadingWhitespace, trimBlankLines } from './lines';

/** Replace text[start, end) with `text`; `label` names the change in the editor's preview. */
export interface TextReplacement {
  start: number;
  end: number;
  text: string;
  label: string;
}

export type ApplyPlan = { kind: 'replace'; edits: TextReplacement[] } | { kind: 'insert' };

export function planApply(fileText: string, code: string): ApplyPlan {
  const blockLines = code.replace(/\s+$/, '').split(/\r?\n/);
  const block = topLevel(declarations(blockLines.join('\n')));
  const inFile = declarations(fileText);
  const matches = matchDeclarations(block, inFile);
  if (matches.length === 0) return { kind: 'insert' };

  const eol = fileText.includes('\r\n') ? '\r\n' : '\n';
  const fileTopLevel = topLevel(inFile);
  const matched = new Set(matches.map((m) => m.target));
  if (fileTopLevel.length > 0 && fileTopLevel.every((d) => matched.has(d))) {
    const text = blockLines.join(eol) + (/\r?\n$/.test(fileText) ? eol : '');
    return { kind: 'replace', edits: [{ start: 0, end: fileText.length, text, label: 'Replace the whole file' }] };
  }

  const starts = lineStarts(fileText);
  const edits = matches.map((m, i): TextReplacement => {
    // Text before the first matched declaration (imports, helpers) goes with it; each group runs to the next one.
    const from = i === 0 ? 0 : m.source.headLine;
    const to = matches[i + 1]?.source.headLine ?? blockLines.length;
    const group = trimBlankLines(blockLines.slice(from, to));
    // A block that brings its own doc comment or decorators replaces the file's.
    const startLine = m.source.headLine < m.source.line ? m.target.headLine : m.target.line;
    const end = m.target.endLine < starts.length ? starts[m.target.endLine]! : fileText.length;
    const endsLine = end > 0 && fileText[end - 1] === '\n';
    const text = reindent(group, m.source.indent, m.target.indent).join(eol) + (endsLine ? eol : '');
    return { start: starts[startLine]!, end, text, label: `Replace ${m.target.name} (line ${m.target.line + 1})` };
  });
  return { kind: 'replace', edits };
}

interface Match {
  source: Declaration;
  target: Declaration;
}

/** Each block declaration paired with the first unused file declaration of the same name. */
function matchDeclarations(block: readonly Declaration[], inFile: readonly Declaration[]): Match[] {
  const used = new Set<Declaration>();
  const out: Match[] = [];
  for (const source of block) {
    const target = inFile.find(
      (d) => d.name === source.name && !used.has(d) && !(d.variable && !isTopLevel(d, inFile)) && !out.some((m) => contains(m.target, d) || contains(d, m.target)),
    );
    if (!target) continue;
    used.add(target);
    out.push({ source, target });
  }
  return out;
}

const contains = (outer: Declaration, inner: Declaration) => outer.line <= inner.line && inner.endLine <= outer.endLine;

/** Declarations not inside another one (a local variable is never a match: only what a file declares at its top). */
function topLevel(all: readonly Declaration[]): Declaration[] {
  return all.filter((d) => isTopLevel(d, all));
}

const isTopLevel = (d: Declaration, all: readonly Declaration[]) => !all.some((o) => o !== d && o.line < d.line && d.line < o.endLine);

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** A method written at the block's margin goes in at the depth of the one it replaces. */
function reindent(lines: string[], from: string, to: string): string[] {
  if (from === to) return lines;
  return lines.map((l) => (l.trim() ? to + (l.startsWith(from) ? l.slice(from.length) : l.slice(leadingWhitespace(l).length)) : l));
}

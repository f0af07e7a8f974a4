// The kept chunks of each item in file order, runs of dropped chunks replaced by one elision marker in
// the file's comment syntax, so the model sees the shape of the file and knows what it was not shown.

import type { ContextItem } from '../types';
import type { Chunk } from './analyze';
import { elisionMarker } from './languages';

/** Items as they are sent: compressed text per item; items with nothing kept are left out. */
export function renderKept(items: readonly ContextItem[], chunks: readonly Chunk[], kept: readonly boolean[]): ContextItem[] {
  const out: ContextItem[] = [];
  const byItem: { c: Chunk; keep: boolean }[][] = items.map(() => []);
  chunks.forEach((c, i) => byItem[c.item]!.push({ c, keep: kept[i]! }));
  items.forEach((item, k) => {
    const own = byItem[k]!;
    if (!own.some((o) => o.keep)) return;
    if (own.every((o) => o.keep)) {
      out.push(item);
      return;
    }
    const parts: string[] = [];
    let omitted: Chunk[] = [];
    const flush = () => {
      if (omitted.length === 0) return;
      const lines = omitted[omitted.length - 1]!.endLine - omitted[0]!.startLine;
      parts.push(`${elisionMarker(lines, item.language, item.path, indentOf(omitted))}\n`);
      omitted = [];
    };
    for (const { c, keep } of own) {
      if (!keep) {
        omitted.push(c);
        continue;
      }
      flush();
      parts.push(c.text.endsWith('\n') ? c.text : `${c.text}\n`);
    }
    flush();
    out.push({ ...item, text: parts.join('').replace(/\n$/, '') });
  });
  return out;
}

/** Indentation of the first non-blank omitted line: the marker sits where the code it stands for was. */
function indentOf(omitted: readonly Chunk[]): string {
  for (const c of omitted) {
    const line = c.text.split('\n').find((l) => l.trim() !== '');
    if (line !== undefined) return /^[ \t]*/.exec(line)![0];
  }
  return '';
}

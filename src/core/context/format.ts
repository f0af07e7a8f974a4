import type { ContextItem } from '../types';

/**
 * Context for local and LAN nodes is cut to this many characters (about 30k tokens); cloud attempts are
 * compressed to the model's budget instead (cloudContext.ts).
 */
export const MAX_CONTEXT_CHARS = 120_000;

export interface FormattedContext {
  text: string;
  truncated: boolean;
}

const isImplicit = (item: ContextItem) => item.origin === 'openEditor' || item.origin === 'symbol';

/**
 * Renders attached context as fenced blocks. When the total is too big, implicit items (open editors,
 * symbol definitions) go first, last added first; then each remaining item is shortened in proportion.
 */
export function formatContext(items: readonly ContextItem[], maxChars = MAX_CONTEXT_CHARS): FormattedContext {
  let kept = [...items];
  let total = kept.reduce((n, i) => n + i.text.length, 0);
  for (let i = kept.length - 1; i >= 0 && total > maxChars; i--) {
    if (!isImplicit(kept[i]!)) continue;
    total -= kept[i]!.text.length;
    kept.splice(i, 1);
  }
  const dropped = kept.length < items.length;
  const ratio = total > maxChars ? maxChars / total : 1;
  const blocks = kept.map((item) => {
    const keep = Math.floor(item.text.length * ratio);
    const body = keep < item.text.length ? `${item.text.slice(0, keep)}\n… (${item.text.length - keep} characters cut: context too large)` : item.text;
    const { open, close } = fenceOf(item, body);
    return `${open}${body}${close}`;
  });
  return { text: blocks.join('\n\n'), truncated: ratio < 1 || dropped };
}

/** Length of formatContext(items, no limit).text, without building it (compression counts tokens on every request). */
export function formattedLength(items: readonly ContextItem[]): number {
  return items.reduce((n, item, i) => {
    const { open, close } = fenceOf(item, item.text);
    return n + (i > 0 ? 2 : 0) + open.length + item.text.length + close.length;
  }, 0);
}

/** Tokens an item adds to the prompt besides its text: its label, its fence and the blank line before the next item. */
export function itemOverheadTokens(item: ContextItem): number {
  const { open, close } = fenceOf(item, item.text);
  return Math.ceil((open.length + close.length + 2) / 4);
}

/** The label and fence around an item's body: a longer fence when the body holds one. */
function fenceOf(item: ContextItem, body: string): { open: string; close: string } {
  const fence = body.includes('```') ? '````' : '```';
  const label = item.kind === 'selection' ? `Selection in ${item.path}` : `File ${item.path}`;
  return { open: `${label}:\n${fence}${item.language ?? ''}\n`, close: `\n${fence}` };
}

import type { ContextItem } from '../types';

/** Until context compression lands, oversized context is cut to this many characters (about 30k tokens). */
export const MAX_CONTEXT_CHARS = 120_000;

export interface FormattedContext {
  text: string;
  truncated: boolean;
}

/** Renders attached context as fenced blocks, shortening each item in proportion when the total is too big. */
export function formatContext(items: readonly ContextItem[], maxChars = MAX_CONTEXT_CHARS): FormattedContext {
  const total = items.reduce((n, i) => n + i.text.length, 0);
  const ratio = total > maxChars ? maxChars / total : 1;
  const blocks = items.map((item) => {
    const keep = Math.floor(item.text.length * ratio);
    const body = keep < item.text.length ? `${item.text.slice(0, keep)}\n… (${item.text.length - keep} characters cut: context too large)` : item.text;
    const fence = body.includes('```') ? '````' : '```';
    const label = item.kind === 'selection' ? `Selection in ${item.path}` : `File ${item.path}`;
    return `${label}:\n${fence}${item.language ?? ''}\n${body}\n${fence}`;
  });
  return { text: blocks.join('\n\n'), truncated: ratio < 1 };
}

// What the panel's context list acts on: the context items of recent requests (to show a chunk's text)
// and the chunks the user pinned in a conversation (sent with every later question, never compressed away).

import type { ContextItem } from '../types';
import type { ChunkRef } from '../../shared/protocol';

/** Requests whose context stays available for "expand" (older ones: the chunk is read from the item no more). */
export const RECENT_REQUESTS = 20;

export class ContextChunks {
  private readonly recent = new Map<string, { conversationId: string; items: ContextItem[] }>();
  private readonly pins = new Map<string, (ChunkRef & { text: string; language?: string })[]>();

  remember(requestId: string, conversationId: string, items: readonly ContextItem[]): void {
    this.recent.set(requestId, { conversationId, items: [...items] });
    if (this.recent.size > RECENT_REQUESTS) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The lines of a chunk from the request's context, or undefined when the request is no longer remembered. */
  text(requestId: string, chunk: ChunkRef): string | undefined {
    const item = this.recent.get(requestId)?.items.find((i) => i.path === chunk.path);
    return item ? linesOf(item.text, chunk.startLine, chunk.endLine) : undefined;
  }

  /** Pins the chunk in the request's conversation, or unpins it; returns whether it is pinned now. */
  togglePin(requestId: string, chunk: ChunkRef): boolean {
    const request = this.recent.get(requestId);
    const item = request?.items.find((i) => i.path === chunk.path);
    if (!request || !item) return false;
    const pins = this.pins.get(request.conversationId) ?? [];
    const at = pins.findIndex((p) => p.path === chunk.path && p.startLine === chunk.startLine && p.endLine === chunk.endLine);
    if (at >= 0) pins.splice(at, 1);
    else pins.push({ ...chunk, text: linesOf(item.text, chunk.startLine, chunk.endLine), ...(item.language ? { language: item.language } : {}) });
    this.pins.set(request.conversationId, pins);
    return at < 0;
  }

  /**
   * The context with the conversation's pins: a pinned chunk of a file that is in the context marks its
   * lines there; a pinned chunk of a file that is not comes along as its own item, as it was when pinned.
   */
  withPins(conversationId: string, items: readonly ContextItem[]): ContextItem[] {
    const pins = this.pins.get(conversationId) ?? [];
    const out = items.map((i) => ({ ...i }));
    for (const pin of pins) {
      const item = out.find((i) => i.kind === 'file' && i.path === pin.path);
      if (item) item.pinnedLines = [...(item.pinnedLines ?? []), [pin.startLine, pin.endLine]];
      else out.push({ kind: 'selection', path: `${pin.path}:${pin.startLine + 1}-${pin.endLine}`, text: pin.text, origin: 'pin', ...(pin.language ? { language: pin.language } : {}) });
    }
    return out;
  }
}

function linesOf(text: string, start: number, end: number): string {
  return text.split('\n').slice(start, end).join('\n');
}

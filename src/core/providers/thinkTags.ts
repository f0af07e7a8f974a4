/**
 * Some model/version pairs write their reasoning into the answer as `<think>…</think>` before it. This splits
 * such a stream into reasoning and answer as it arrives, tags split across chunks included. Only a block that
 * opens the answer counts: `<think>` later in an answer is the answer's own text (e.g. code about tags).
 */
export class ThinkTagSplitter {
  private state: 'start' | 'thinking' | 'answer' = 'start';
  private pending = '';
  /** The answer's first text after a think block drops the blank lines that separated them. */
  private trimNext = false;

  /** The reasoning and answer text in `chunk` that are certain now; a possible partial tag is held back. */
  push(chunk: string): { thinking: string; text: string } {
    let thinking = '';
    let text = '';
    this.pending += chunk;
    if (this.state === 'start') {
      const lead = this.pending.trimStart();
      if (lead.startsWith(OPEN)) {
        this.state = 'thinking';
        this.pending = lead.slice(OPEN.length);
      } else if (OPEN.startsWith(lead)) {
        return { thinking, text };
      } else {
        this.state = 'answer';
      }
    }
    if (this.state === 'thinking') {
      const end = this.pending.indexOf(CLOSE);
      if (end < 0) {
        const keep = partialTail(this.pending, CLOSE);
        thinking = this.pending.slice(0, this.pending.length - keep);
        this.pending = this.pending.slice(this.pending.length - keep);
        return { thinking, text };
      }
      thinking = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + CLOSE.length);
      this.state = 'answer';
      this.trimNext = true;
    }
    text = this.trimNext ? this.pending.trimStart() : this.pending;
    if (text) this.trimNext = false;
    this.pending = '';
    return { thinking, text };
  }

  /** What is held back when the stream ends: an unfinished tag is text as it came. */
  flush(): { thinking: string; text: string } {
    const rest = this.pending;
    this.pending = '';
    return this.state === 'thinking' ? { thinking: rest, text: '' } : { thinking: '', text: rest };
  }
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** Length of the longest end of `s` that begins `tag` (a tag cut by a chunk boundary). */
function partialTail(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) if (tag.startsWith(s.slice(-n))) return n;
  return 0;
}

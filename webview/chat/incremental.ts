// Where a streaming answer can be cut so the part before never needs rendering again: after a blank line
// or a closing code fence, outside any open fence. Blocks before the cut are final Markdown blocks; only
// the text after it (the block still growing) is re-rendered per frame, so the cost per frame stays flat
// however long the answer gets. The finished answer is rendered whole once, which settles any block that
// read differently in pieces (a loose list split at a blank line, a reference link).

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The end of the last settled block at or after `from` (which must itself be a cut); `from` when none. */
export function settledBoundary(text: string, from: number): number {
  let boundary = from;
  let fence: string | undefined;
  for (let i = from; ; ) {
    const nl = text.indexOf('\n', i);
    // The last line is still being written: nothing after the previous cut is settled by it.
    if (nl < 0) return boundary;
    const line = text.slice(i, nl);
    const marker = FENCE.exec(line)?.[1];
    if (fence === undefined) {
      if (marker) fence = marker;
      else if (line.trim() === '') boundary = nl + 1;
    } else if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) {
      fence = undefined;
      boundary = nl + 1;
    }
    i = nl + 1;
  }
}

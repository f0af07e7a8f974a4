// Second reading of doubtful lines. Tesseract misreads lines of code made only of punctuation ("});" as
// "1)" or "BIE", "};" as "Li"), most likely because it sizes a line from its row's x-height and these have
// no x-height letters. Read again alone as a raw line (PSM 13) on a tight crop, they come out right. The
// decisions (which lines, which crops, which reading wins) are here; the reading is in ocr.ts.

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Rectangle {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Lines Tesseract reads at a lower confidence (0-100) get a second reading. */
export const DOUBTFUL_LINE = 80;
/**
 * Margins (px) of the crops tried, in order, until one reads at DOUBTFUL_LINE or better. The raw-line
 * reading depends on the margin (each alone fixes some lines and breaks others, on bench:vision); the
 * more confident of the two readings is right more often than either margin alone.
 */
export const CROP_MARGINS = [1, 4] as const;

/** The line's box grown by `margin` on each side, kept inside a `width` × `height` image. */
export function lineCrop(box: Box, margin: number, width: number, height: number): Rectangle {
  const left = Math.max(0, box.x0 - margin);
  const top = Math.max(0, box.y0 - margin);
  return { left, top, width: Math.min(width, box.x1 + margin) - left, height: Math.min(height, box.y1 + margin) - top };
}

export interface Reading {
  text: string;
  confidence: number;
  /** Confidences of its words, for the image's mean. */
  words: number[];
}

/** The reading to keep: a second one only when it found text and is more confident than the first. */
export function betterReading(first: Reading, second: Reading): Reading {
  return second.text.trim() && second.confidence > first.confidence ? second : first;
}

/**
 * `text` with each line's first reading replaced by its kept one. `lines` are all the page's lines in
 * reading order (unchanged ones too), so each is found after the one before it, never inside an earlier
 * line; Tesseract's own line and paragraph breaks stay as they are.
 */
export function replaceLines(text: string, lines: { from: string; to: string }[]): string {
  let out = '';
  let at = 0;
  for (const { from, to } of lines) {
    const found = text.indexOf(from, at);
    if (found < 0) continue;
    out += text.slice(at, found) + to;
    at = found + from.length;
  }
  return out + text.slice(at);
}

// Chunks of text no grammar covers: Markdown by sections (headings outside code fences), long sections
// by paragraphs; anything else by paragraphs (blank-line separated), grouped up to a size, and a
// paragraph too long on its own (minified code, a log) cut between lines.

import { GROUP_TOKENS, MAX_CHUNK_TOKENS, lineCount, type ChunkKind, type Span } from './chunkTypes';

const HEADING = /^ {0,3}#{1,6}(\s|$)/;
const FENCE = /^ {0,3}(```|~~~)/;

interface Run {
  start: number;
  end: number;
}

export function spansOfMarkdown(text: string, starts: readonly number[]): Span[] {
  const lines = lineCount(starts);
  const sectionStarts: number[] = [0];
  forEachLine(text, starts, (line, i, inFence) => {
    if (!inFence && i > 0 && HEADING.test(line)) sectionStarts.push(i);
  });
  const spans: Span[] = [];
  sectionStarts.forEach((start, k) => {
    const end = sectionStarts[k + 1] ?? lines;
    const title = HEADING.test(lineAt(text, starts, start)) ? [lineAt(text, starts, start).replace(/^ {0,3}#+\s*/, '').trim()] : [];
    if (tokens(starts, start, end) <= MAX_CHUNK_TOKENS) {
      spans.push({ startLine: start, endLine: end, kind: 'section', names: title });
      return;
    }
    const paragraphs = packRuns(paragraphRuns(text, starts, start, end), starts, MAX_CHUNK_TOKENS);
    const first = spans.length;
    paragraphs.forEach((r, i) => spans.push({ startLine: r.start, endLine: r.end, kind: i === 0 ? 'header' : 'paragraph', names: i === 0 ? title : [], ...(i > 0 ? { parent: first } : {}) }));
  });
  return spans;
}

export function spansOfParagraphs(text: string, starts: readonly number[]): Span[] {
  const runs = packRuns(paragraphRuns(text, starts, 0, lineCount(starts)), starts, GROUP_TOKENS);
  return runs.map((r) => ({ startLine: r.start, endLine: r.end, kind: 'paragraph' as ChunkKind, names: [] }));
}

/** Paragraphs of lines [from, to): each starts at a non-blank line after a blank one (fenced blocks stay whole). */
function paragraphRuns(text: string, starts: readonly number[], from: number, to: number): Run[] {
  const runStarts = [from];
  let blank = false;
  forEachLine(text, starts, (line, i, inFence) => {
    if (i <= from || i >= to) return;
    const isBlank = line.trim() === '';
    if (!isBlank && blank && !inFence) runStarts.push(i);
    blank = isBlank;
  });
  return runStarts.map((start, k) => ({ start, end: runStarts[k + 1] ?? to }));
}

/** Adjacent runs merged while they fit `limit` tokens; a run larger than MAX_CHUNK_TOKENS on its own is cut between lines. */
function packRuns(runs: readonly Run[], starts: readonly number[], limit: number): Run[] {
  const out: Run[] = [];
  for (const run of runs.flatMap((r) => cutLongRun(r, starts))) {
    const last = out[out.length - 1];
    if (last && tokens(starts, last.start, run.end) <= limit) last.end = run.end;
    else out.push({ ...run });
  }
  return out;
}

function cutLongRun(run: Run, starts: readonly number[]): Run[] {
  const out: Run[] = [];
  let start = run.start;
  for (let i = run.start + 1; i < run.end; i++) {
    if (tokens(starts, start, i + 1) > MAX_CHUNK_TOKENS) {
      out.push({ start, end: i });
      start = i;
    }
  }
  out.push({ start, end: run.end });
  return out;
}

function tokens(starts: readonly number[], from: number, to: number): number {
  return Math.ceil((starts[to]! - starts[from]!) / 4);
}

function lineAt(text: string, starts: readonly number[], i: number): string {
  return text.slice(starts[i], starts[i + 1]).replace(/\r?\n$/, '');
}

function forEachLine(text: string, starts: readonly number[], visit: (line: string, index: number, inFence: boolean) => void): void {
  let inFence = false;
  for (let i = 0; i < lineCount(starts); i++) {
    const line = lineAt(text, starts, i);
    const fence = FENCE.test(line);
    visit(line, i, inFence || fence);
    if (fence) inFence = !inFence;
  }
}

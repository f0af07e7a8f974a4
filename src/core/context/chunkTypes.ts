// A chunk is a run of whole lines of one context item: a logical block (a function, a class member, a
// Markdown section, a paragraph) that is kept or dropped as a unit.

export type ChunkKind = 'block' | 'group' | 'header' | 'footer' | 'section' | 'paragraph';

export interface Span {
  /** First line (0-based) and the line after the last: spans of one item tile it without gaps or overlaps. */
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  /** Symbols this chunk defines (function, class, method, type names). */
  names: string[];
  /** Index (within the same item) of the header of the container this chunk sits in; kept with it for shape. */
  parent?: number;
  /** On a header: the container is a function split at its nested declarations (see WHOLE_FUNCTION_TOKENS). */
  splitFunction?: boolean;
}

/** Past this size a container (class, impl, namespace, wrapper function) is split into its members. */
export const MAX_CHUNK_TOKENS = 512;
/**
 * A split function up to this size is sent whole when one of its parts is relevant and it fits: its parts
 * are found separately, but a function body read in pieces loses its meaning. Larger ones (module wrappers)
 * are sent by parts.
 */
export const WHOLE_FUNCTION_TOKENS = 2 * MAX_CHUNK_TOKENS;
/** Small statements that define nothing notable (imports, constants) are grouped up to this size. */
export const GROUP_TOKENS = 256;

/** Start offset of every line, plus the text length: chars of lines [a, b) = starts[b] - starts[a]. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  if (starts[starts.length - 1] !== text.length) starts.push(text.length);
  return starts;
}

/** Lines of a text as spans count them: a trailing newline does not start another line. */
export function lineCount(starts: readonly number[]): number {
  return starts.length - 1;
}

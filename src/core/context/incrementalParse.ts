// Re-parsing a file after an edit, incrementally: tree-sitter reuses the unchanged parts of the previous
// tree when it is told what changed. The editor parses the active file ahead of the question after every
// pause in typing (src/vscode/contextWarmer.ts); a whole re-parse of a large file each time would cost
// what parsing ahead saves. Indices and columns are UTF-16 code units (JavaScript string offsets), as
// web-tree-sitter expects.

import type { Edit, Parser, Point, Tree } from 'web-tree-sitter';
import { SLICE_MS, type Pause } from '../slices';

/** Files whose last tree is kept: the active file and a few open editors. */
const KEPT_TREES = 8;
/** Larger texts are parsed whole each time: their trees would hold too much wasm memory, which never shrinks. */
const MAX_KEPT_CHARS = 400_000;

/** The one range that turns `before` into `after`: what lies between their common prefix and common suffix. */
export function textEdit(before: string, after: string): Edit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return {
    startIndex: prefix,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition: pointAt(before, prefix),
    oldEndPosition: pointAt(before, before.length - suffix),
    newEndPosition: pointAt(after, after.length - suffix),
  };
}

export function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

/** The last tree of each recently parsed file, so that its next version is parsed incrementally. */
export class TreeCache {
  private readonly trees = new Map<string, { text: string; tree: Tree }>();

  constructor(private readonly max = KEPT_TREES) {}

  /**
   * Parses `text` (the file `key`'s new version) and hands its tree to `use`; undefined when the parser gives up.
   * With `pause`, a long parse runs in slices (parseInSlices): the caller must not let another parse use the
   * parser meanwhile (TreeSitter queues them).
   */
  async withTree<T>(parser: Parser, key: string, text: string, use: (tree: Tree) => T, pause?: Pause): Promise<T | undefined> {
    const previous = this.trees.get(key);
    this.trees.delete(key);
    if (previous?.text === text) {
      this.trees.set(key, previous);
      return use(previous.tree);
    }
    const edit = previous && textEdit(previous.text, text);
    if (edit) previous.tree.edit(edit);
    const tree = await parseInSlices(parser, text, previous?.tree ?? null, pause);
    previous?.tree.delete();
    if (!tree) return undefined;
    if (text.length > MAX_KEPT_CHARS) {
      try {
        return use(tree);
      } finally {
        tree.delete();
      }
    }
    this.trees.set(key, { text, tree });
    if (this.trees.size > this.max) {
      const [oldest, entry] = this.trees.entries().next().value!;
      entry.tree.delete();
      this.trees.delete(oldest);
    }
    return use(tree);
  }

  /** Frees every kept tree: the next parse of each file is a whole one. */
  clear(): void {
    for (const { tree } of this.trees.values()) tree.delete();
    this.trees.clear();
  }
}

/**
 * A parse in slices of about SLICE_MS, `pause` awaited between them: tree-sitter halts when the progress
 * callback says so and resumes where it stopped when called again with the same input (a 34k-token file is
 * one 30-60 ms parse otherwise). Without `pause`, one parse.
 */
export async function parseInSlices(parser: Parser, text: string, old: Tree | null, pause?: Pause): Promise<Tree | null> {
  if (!pause) return parser.parse(text, old);
  for (;;) {
    const started = performance.now();
    let halted = false;
    const tree = parser.parse(text, old, { progressCallback: () => (halted = performance.now() - started > SLICE_MS) });
    if (tree || !halted) return tree;
    await pause();
  }
}

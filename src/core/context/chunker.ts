// Splits one context item into chunks by logical blocks: tree-sitter for the languages its shipped
// grammars cover, Markdown sections, paragraphs for the rest. A grammar that fails to load or parse
// falls back to paragraphs (the reason is logged once), so compression never fails for a file.

import type { ContextItem } from '../types';
import type { Logger } from '../log';
import { lineStarts, type Span } from './chunkTypes';
import { spansOfTree } from './chunkTree';
import { spansOfMarkdown, spansOfParagraphs } from './chunkText';
import { grammarOf, isMarkdown, type Grammar } from './languages';
import type { TreeSitter } from './treeSitter';
import type { Pause } from '../slices';

export interface ChunkedItem {
  spans: Span[];
  starts: number[];
  /** How the item was split, for the report: a grammar name, 'markdown' or 'paragraphs'. */
  method: string;
}

export class Chunker {
  private readonly failed = new Set<Grammar>();

  constructor(
    private readonly treeSitter: TreeSitter,
    private readonly log?: Logger,
  ) {}

  /** `pause`: a long parse lets the event loop run between its slices. */
  async chunk(item: Pick<ContextItem, 'path' | 'language' | 'text'>, pause?: Pause): Promise<ChunkedItem> {
    const starts = lineStarts(item.text);
    const grammar = grammarOf(item.language, item.path);
    if (grammar && !this.failed.has(grammar)) {
      try {
        const spans = await this.treeSitter.withTree(grammar, item.path, item.text, (tree) => spansOfTree(tree.rootNode, starts), pause);
        if (spans) return { spans, starts, method: grammar };
      } catch (err) {
        this.failed.add(grammar);
        this.log?.warn(`Context compression: the ${grammar} grammar did not load (${(err as Error).message}); such files are split by paragraphs.`);
      }
    }
    if (isMarkdown(item.language, item.path)) return { spans: spansOfMarkdown(item.text, starts), starts, method: 'markdown' };
    return { spans: spansOfParagraphs(item.text, starts), starts, method: 'paragraphs' };
  }
}

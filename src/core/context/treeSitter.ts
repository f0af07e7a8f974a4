// Loads web-tree-sitter and the grammars of @vscode/tree-sitter-wasm, once per process, lazily: the
// first compression pays ~100 ms, later ones nothing. What it allocates lives in wasm memory, which the
// garbage collector never frees: one shared instance (sharedTreeSitter) keeps that bounded. The wasm files sit next to the bundle (esbuild.mjs
// copies them to dist/ and dist/grammars/); run from source (tests, benches) they come from node_modules.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import type { Grammar } from './languages';
import { TreeCache } from './incrementalParse';
import type { Pause } from '../slices';

export interface WasmPaths {
  runtime: string;
  grammarsDir: string;
}

/** dist/ when bundled; the project's node_modules when run from source (src/core/context is three levels down). */
export function defaultWasmPaths(): WasmPaths {
  const bundled = { runtime: join(__dirname, 'tree-sitter.wasm'), grammarsDir: join(__dirname, 'grammars') };
  if (existsSync(bundled.runtime)) return bundled;
  const modules = join(__dirname, '..', '..', '..', 'node_modules');
  return { runtime: join(modules, 'web-tree-sitter', 'tree-sitter.wasm'), grammarsDir: join(modules, '@vscode', 'tree-sitter-wasm', 'wasm') };
}

export class TreeSitter {
  private init: Promise<void> | undefined;
  private readonly languages = new Map<Grammar, Promise<Language>>();
  private readonly parsers = new Map<Grammar, Parser>();
  private readonly trees = new TreeCache();
  private readonly queues = new Map<Grammar, Promise<unknown>>();

  constructor(private readonly paths: WasmPaths = defaultWasmPaths()) {}

  /**
   * Parses a file's text, incrementally from its previous version when there is one (see TreeCache), and hands
   * the tree to `use`; with `pause`, in slices. Parses with one grammar's parser run one after another: a parse
   * halted between slices would otherwise be resumed on another file's text.
   */
  async withTree<T>(grammar: Grammar, path: string, text: string, use: (tree: Tree) => T, pause?: Pause): Promise<T | undefined> {
    const parser = await this.parser(grammar);
    const run = (this.queues.get(grammar) ?? Promise.resolve()).then(() => this.trees.withTree(parser, `${grammar}\0${path}`, text, use, pause));
    this.queues.set(grammar, run.catch(() => undefined));
    return run;
  }

  /** Frees the trees kept for incremental parsing (their wasm memory). */
  releaseTrees(): void {
    this.trees.clear();
  }

  /** A parser for the grammar; rejects when the wasm files are missing or do not load. */
  async parser(grammar: Grammar): Promise<Parser> {
    const ready = this.parsers.get(grammar);
    if (ready) return ready;
    // Only locateFile is needed; the typings ask for a full Emscripten module object.
    this.init ??= Parser.init({ locateFile: () => this.paths.runtime } as unknown as Parameters<typeof Parser.init>[0]);
    await this.init;
    let language = this.languages.get(grammar);
    if (!language) {
      language = Language.load(join(this.paths.grammarsDir, `tree-sitter-${grammar}.wasm`));
      this.languages.set(grammar, language);
      language.catch(() => this.languages.delete(grammar));
    }
    const parser = new Parser();
    parser.setLanguage(await language);
    this.parsers.set(grammar, parser);
    return parser;
  }
}

let shared: TreeSitter | undefined;

/** The process's tree-sitter: grammars loaded once, and a bounded set of kept trees. */
export function sharedTreeSitter(): TreeSitter {
  return (shared ??= new TreeSitter());
}

// Loads web-tree-sitter and the grammars of @vscode/tree-sitter-wasm, once per process, lazily: the
// first compression pays ~100 ms, later ones nothing. The wasm files sit next to the bundle (esbuild.mjs
// copies them to dist/ and dist/grammars/); run from source (tests, benches) they come from node_modules.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import type { Grammar } from './languages';

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

  constructor(private readonly paths: WasmPaths = defaultWasmPaths()) {}

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

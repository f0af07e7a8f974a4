// What a Node bundle of the extension or the CLI needs beyond esbuild's defaults, shared by esbuild.mjs
// and the tests that bundle the CLI on their own.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** web-tree-sitter's ESM build finds its files through import.meta.url, which a CommonJS bundle lacks. */
export const importMetaUrlBanner = 'var __importMetaUrl = require("url").pathToFileURL(__filename).href;';
export const importMetaUrlDefine = { 'import.meta.url': '__importMetaUrl' };

/**
 * Context compression's wasm files next to a bundle in `outDir`: web-tree-sitter's runtime and the
 * grammars of @vscode/tree-sitter-wasm (src/core/context/treeSitter.ts). The grammars were built for
 * tree-sitter 0.25, matching web-tree-sitter 0.25.x: bump the two together.
 */
export function copyTreeSitterWasm(outDir) {
  mkdirSync(join(outDir, 'grammars'), { recursive: true });
  copyFileSync('node_modules/web-tree-sitter/tree-sitter.wasm', join(outDir, 'tree-sitter.wasm'));
  const grammars = 'node_modules/@vscode/tree-sitter-wasm/wasm';
  for (const f of readdirSync(grammars)) if (/^tree-sitter-.+\.wasm$/.test(f)) copyFileSync(join(grammars, f), join(outDir, 'grammars', f));
}

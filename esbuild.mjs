// Bundles the extension host code, the CLI and the webviews. node_modules are bundled in, except
// onnxruntime-node: its native binding loads from node_modules at run time (see docs/ML_ROUTER_IMPLEMENTATION.md,
// packaging); sql.js's and tree-sitter's wasm files are copied next to the bundle.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
// web-tree-sitter's ESM build finds its files through import.meta.url, which a CommonJS bundle lacks.
const importMetaUrl = 'var __importMetaUrl = require("url").pathToFileURL(__filename).href;';
const nodeBundle = { define: { 'import.meta.url': '__importMetaUrl' } };

const builds = [
  { ...common, ...nodeBundle, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'], banner: { js: importMetaUrl } },
  { ...common, ...nodeBundle, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'], banner: { js: `#!/usr/bin/env node\n${importMetaUrl}` } },
  { ...common, entryPoints: ['webview/chat/main.ts'], outfile: 'dist/webview/chat.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/chat/chat.css'], outfile: 'dist/webview/chat.css', loader: { '.ttf': 'file' } },
  { ...common, entryPoints: ['webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/dashboard/dashboard.css'], outfile: 'dist/webview/dashboard.css', minify: true },
];

mkdirSync('dist/webview', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
// Context compression: web-tree-sitter's runtime and the grammars it parses code with (src/core/context/treeSitter.ts).
// The grammars were built for tree-sitter 0.25, matching web-tree-sitter 0.25.x: bump the two together.
mkdirSync('dist/grammars', { recursive: true });
copyFileSync('node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm');
const grammars = 'node_modules/@vscode/tree-sitter-wasm/wasm';
for (const f of readdirSync(grammars)) if (/^tree-sitter-.+\.wasm$/.test(f)) copyFileSync(`${grammars}/${f}`, `dist/grammars/${f}`);
copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

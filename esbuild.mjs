// Bundles the extension host code, the CLI and the webviews. node_modules are bundled in, except
// onnxruntime-node: its native binding loads from node_modules at run time (see docs/ML_ROUTER_IMPLEMENTATION.md,
// packaging); sql.js's wasm file is copied next to the bundle.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'], banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['webview/chat/main.ts'], outfile: 'dist/webview/chat.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/chat/chat.css'], outfile: 'dist/webview/chat.css', loader: { '.ttf': 'file' } },
  { ...common, entryPoints: ['webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/dashboard/dashboard.css'], outfile: 'dist/webview/dashboard.css', minify: true },
];

mkdirSync('dist/webview', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

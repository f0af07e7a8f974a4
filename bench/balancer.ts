// Load balancing across heterogeneous Ollama nodes: every strategy side by side in one run.
// Four simulated nodes (1x, 1x, 2x, 4x speed; 2 parallel slots each) run in a child process
// (bench/nodeHost.ts). Scenarios:
//   1. makespan of a 64-request batch, as a ratio to the lower bound (total work / total capacity)
//   2. p50/p95 latency of an open-loop Poisson stream at 70% of capacity
//   3. the same stream with node 1 killed halfway and node 2 slowed 5x: lost requests and tail growth
// Writes bench/results/balancer.json. `BENCH_SCALE=0.5` halves the request counts for a quick look.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRouting } from '../src/core/app';
import { ask, type AskResult } from '../src/core/pipeline';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import type { BalancerStrategyName, NodeConfig } from '../src/core/types';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SPEEDS = [1, 1, 2, 4];
const BASE_TPS = 60;
const SLOTS = 2;
const LATENCY_MS = 40;
const BATCH = Math.round(64 * SCALE);
const STREAM = Math.round(120 * SCALE);
const LOAD = 0.7;
const WARMUP = 8;

type Setup = 'fastest-only' | BalancerStrategyName;
const ALL_SETUPS: Setup[] = ['fastest-only', 'round-robin', 'least-outstanding', 'performance-weighted'];
/** BENCH_ONLY=performance-weighted (comma-separated) runs a subset while tuning; the published figures run all. */
const SETUPS = process.env.BENCH_ONLY ? ALL_SETUPS.filter((s) => s === 'fastest-only' || process.env.BENCH_ONLY!.split(',').includes(s)) : ALL_SETUPS;

/** Deterministic workload: mostly short answers, some long ones. */
function lengths(n: number, seed: number): number[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => (rand() < 0.7 ? 20 + Math.floor(rand() * 60) : 150 + Math.floor(rand() * 250)));
}

const capacityTps = SPEEDS.reduce((sum, s) => sum + s * BASE_TPS * SLOTS, 0);

interface Host {
  urls: string[];
  send(command: string): Promise<void>;
  stop(): void;
}

async function startHost(): Promise<Host> {
  const specs = SPEEDS.map((s) => ({ tokensPerSecond: s * BASE_TPS, latencyMs: LATENCY_MS }));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'bench/nodeHost.ts', JSON.stringify(specs)]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  const urls = JSON.parse(String(first.value)) as string[];
  return {
    urls,
    async send(command) {
      child.stdin.write(`${command}\n`);
      await lines.next();
    },
    stop: () => child.kill(),
  };
}

function routingFor(setup: Setup, urls: string[]) {
  const nodes: NodeConfig[] = urls.map((baseUrl, i) => ({ name: `node${i}-${SPEEDS[i]}x`, baseUrl, tier: 'lan', models: [], maxParallel: SLOTS }));
  const fastest = SPEEDS.indexOf(Math.max(...SPEEDS));
  return createRouting({
    config: {
      nodes: setup === 'fastest-only' ? [nodes[fastest]!] : nodes,
      cloudProviders: [],
      defaultModels: DEFAULT_MODELS,
      privacy: DEFAULT_PRIVACY,
      balancer: { ...DEFAULT_BALANCER, strategy: setup === 'fastest-only' ? 'performance-weighted' : setup },
    },
    cloudKey: async () => undefined,
    log: silentLogger,
  });
}

type Deps = ReturnType<typeof routingFor>['deps'];

/** One request as batch work does it: an answer cut off mid-stream is retried whole, once. */
async function request(deps: Deps, len: number): Promise<AskResult> {
  for (let attempt = 0; ; attempt++) {
    let result: AskResult | undefined;
    const question = `Answer with len=${len} words.`;
    for await (const e of ask({ id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'cli', signal: new AbortController().signal }, deps)) {
      if (e.type === 'end') result = e.result;
    }
    if (result!.outcome === 'ok' || attempt >= 1) return result!;
  }
}

function pct(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withSetup<T>(setup: Setup, run: (deps: Deps, host: Host) => Promise<T>): Promise<T> {
  const host = await startHost();
  try {
    const { deps, nodes } = routingFor(setup, host.urls);
    await nodes.refresh();
    for (let i = 0; i < WARMUP; i++) await request(deps, 30);
    return await run(deps, host);
  } finally {
    host.stop();
  }
}

async function makespan(setup: Setup) {
  const work = lengths(BATCH, 7);
  return withSetup(setup, async (deps) => {
    const t0 = performance.now();
    const results = await Promise.all(work.map((len) => request(deps, len)));
    const ms = performance.now() - t0;
    const lowerBoundMs = Math.max(
      (work.reduce((a, b) => a + b, 0) / capacityTps) * 1000,
      LATENCY_MS + (Math.max(...work) / (Math.max(...SPEEDS) * BASE_TPS)) * 1000,
    );
    return { makespanMs: ms, lowerBoundMs, ratioToLowerBound: ms / lowerBoundMs, lost: results.filter((r) => r.outcome !== 'ok').length };
  });
}

async function openLoop(setup: Setup, faults: boolean) {
  const work = lengths(STREAM, 11);
  const meanTokens = work.reduce((a, b) => a + b, 0) / work.length;
  const ratePerMs = (LOAD * capacityTps) / meanTokens / 1000;
  let x = 3;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return withSetup(setup, async (deps, host) => {
    const latencies: number[] = [];
    let lost = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < work.length; i++) {
      if (faults && i === Math.floor(work.length / 4)) await host.send('slow 2 5');
      if (faults && i === Math.floor(work.length / 2)) await host.send('kill 1');
      const arrived = performance.now();
      pending.push(
        request(deps, work[i]!).then((r) => {
          if (r.outcome === 'ok') latencies.push(performance.now() - arrived);
          else lost++;
        }),
      );
      await sleep(-Math.log(1 - rand()) / ratePerMs);
    }
    await Promise.all(pending);
    return { p50Ms: pct(latencies, 0.5), p95Ms: pct(latencies, 0.95), lost, requests: work.length };
  });
}

async function main() {
  const batch: Record<string, Awaited<ReturnType<typeof makespan>>> = {};
  const stream: Record<string, Awaited<ReturnType<typeof openLoop>>> = {};
  const faulted: Record<string, Awaited<ReturnType<typeof openLoop>>> = {};
  for (const setup of SETUPS) {
    batch[setup] = await makespan(setup);
    console.log(`batch  ${setup.padEnd(21)} makespan ${batch[setup].makespanMs.toFixed(0)} ms = ${batch[setup].ratioToLowerBound.toFixed(2)}x lower bound, lost ${batch[setup].lost}`);
  }
  for (const setup of SETUPS.filter((s) => s !== 'fastest-only')) {
    stream[setup] = await openLoop(setup, false);
    console.log(`stream ${setup.padEnd(21)} p50 ${stream[setup].p50Ms.toFixed(0)} ms, p95 ${stream[setup].p95Ms.toFixed(0)} ms, lost ${stream[setup].lost}`);
    faulted[setup] = await openLoop(setup, true);
    console.log(`faults ${setup.padEnd(21)} p50 ${faulted[setup].p50Ms.toFixed(0)} ms, p95 ${faulted[setup].p95Ms.toFixed(0)} ms, lost ${faulted[setup].lost}`);
  }
  const pw = 'performance-weighted';
  const summary = {
    batchSpeedupOverFastestNode: batch['fastest-only']!.makespanMs / batch[pw]!.makespanMs,
    defaultRatioToLowerBound: batch[pw]!.ratioToLowerBound,
    p95ImprovementOverRoundRobin: stream['round-robin'] ? 1 - stream[pw]!.p95Ms / stream['round-robin'].p95Ms : undefined,
    p95GrowthUnderFaults: faulted[pw]!.p95Ms / stream[pw]!.p95Ms,
    lostUnderFaults: Object.values(faulted).reduce((n, r) => n + r.lost, 0) + Object.values(batch).reduce((n, r) => n + r.lost, 0),
  };
  console.log(
    `\nspeedup over the fastest node alone ${summary.batchSpeedupOverFastestNode.toFixed(2)}x (target > 2; the nodes' total capacity is ${(capacityTps / (Math.max(...SPEEDS) * BASE_TPS * SLOTS)).toFixed(1)}x the fastest);` +
      ` default strategy ${summary.defaultRatioToLowerBound.toFixed(2)}x the lower bound (target <= 1.15);` +
      ` p95 ${summary.p95ImprovementOverRoundRobin === undefined ? 'n/a' : `${(summary.p95ImprovementOverRoundRobin * 100).toFixed(0)}%`} better than round-robin (target >= 30%);` +
      ` under faults p95 x${summary.p95GrowthUnderFaults.toFixed(2)}; lost requests in all runs ${summary.lostUnderFaults}`,
  );
  if (process.env.BENCH_ONLY) return;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/balancer.json',
    `${JSON.stringify({ benchmark: 'node pool strategies', date: new Date().toISOString(), nodes: { speeds: SPEEDS, baseTokensPerSecond: BASE_TPS, slots: SLOTS, latencyMs: LATENCY_MS }, batch, stream, faulted, summary }, null, 2)}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The first routed request of a session against the steady ones, with and without the warm-up in idle time
// (src/core/warmUp.ts). Each trial is a fresh Node process, as a new editor window or `singularity serve` is:
// it builds the services the editor and the CLI build (core/app.ts, the shipped router and gate models), routing
// between a loopback fake Ollama node and a fake cloud (run by the parent process, warmed) so that every request
// is really routed (router mode "ml": the ONNX model scores each one, the cloud share 0 keeps them on the node),
// then asks one question and STEADY more; once with learnMeaning off, once on (the sentence encoder embeds each
// question). With warm-up, services.warmUp() runs first (the editor starts it a second after activation) and the
// longest event-loop stall while it runs is measured (perf_hooks.monitorEventLoopDelay).
// Run: node --import tsx bench/coldStart.ts. Writes bench/results/cold-start.json. BENCH_TRIALS=3 for a quick
// look (published figures use 7).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFakeOllama, startFakeOpenAI } from '../test/fixtures';
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

const run = promisify(execFile);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 7);
const STEADY = 20;
const LATENCY_MS = 20;
const QUESTIONS = ['How do I reverse a list in Python?', 'What does Array.prototype.flatMap return?', 'How do I read a file line by line in Go?', 'Why is my useEffect running twice?'];

interface Trial {
  firstMs: number;
  steadyMedianMs: number;
  warmUpMs?: number;
  warmUpMaxStallMs?: number;
  steps?: { name: string; ms: number; error?: string }[];
}

async function trial(warm: boolean, meaning: boolean, nodeUrl: string, cloudUrl: string): Promise<Trial> {
  const { store } = await Store.open();
  const services = createServices({
    store,
    routerModels: { shipped: join('models', 'router.onnx') },
    gateModelPath: join('models', 'gate.json'),
    settings: { router: () => ({ ...DEFAULT_ROUTER_SETTINGS, mode: 'ml', learnMeaning: meaning, policy: { mode: 'cloudShare', cloudShare: 0 }, explore: 0, retrainEvery: 0 }), quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => 'sk-bench',
    log: silentLogger,
  });
  const config = {
    nodes: [{ name: 'bench', baseUrl: nodeUrl, tier: 'local' as const, models: [], maxParallel: 4 }],
    cloudProviders: [{ name: 'cloud', kind: 'openai' as const, baseUrl: `${cloudUrl}/v1`, model: 'gpt-test' }],
    defaultModels: DEFAULT_MODELS,
    balancer: DEFAULT_BALANCER,
    privacy: DEFAULT_PRIVACY,
  };
  const routing = services.routing(config);
  await routing.nodes.refresh();
  const out: Partial<Trial> = {};
  if (warm) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    // The histogram counts from its first tick: a block that starts before it would go unseen.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t0 = performance.now();
    out.steps = await services.warmUp(routing, { delayMs: 0 });
    out.warmUpMs = performance.now() - t0;
    delay.disable();
    out.warmUpMaxStallMs = delay.max / 1e6;
  }
  const ttft = async (question: string): Promise<number> => {
    const t0 = performance.now();
    let first = NaN;
    for await (const e of ask({ id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'cli', signal: new AbortController().signal }, routing.deps)) {
      if (e.type === 'token' && Number.isNaN(first)) first = performance.now() - t0;
      if (e.type === 'end' && e.result.outcome !== 'ok') throw new Error(e.result.error);
    }
    return first;
  };
  out.firstMs = await ttft(QUESTIONS[0]!);
  const steady: number[] = [];
  for (let i = 0; i < STEADY; i++) steady.push(await ttft(QUESTIONS[(i + 1) % QUESTIONS.length]!));
  out.steadyMedianMs = median(steady);
  await services.dispose();
  await store.close();
  return out as Trial;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

type Variant = 'cold' | 'warm';
const VARIANTS = ['cold', 'warm'] as const;

function summary(ts: Trial[]) {
  const first = median(ts.map((t) => t.firstMs));
  const steady = median(ts.map((t) => t.steadyMedianMs));
  return { firstMedianMs: r1(first), firstMaxMs: r1(Math.max(...ts.map((t) => t.firstMs))), steadyMedianMs: r1(steady), firstOverSteady: Math.round((first / steady) * 100) / 100 };
}

function warmUpSummary(ts: Trial[]) {
  return {
    medianMs: r1(median(ts.map((t) => t.warmUpMs!))),
    maxStallMs: r1(Math.max(...ts.map((t) => t.warmUpMaxStallMs!))),
    medianStallMs: r1(median(ts.map((t) => t.warmUpMaxStallMs!))),
    steps: ts[0]!.steps!.map((s) => ({ name: s.name, medianMs: r1(median(ts.map((t) => t.steps!.find((x) => x.name === s.name)!.ms))), ...(s.error ? { error: s.error } : {}) })),
  };
}

async function main(): Promise<void> {
  // The fixtures run here, warmed, as a real node runs in a process of its own: a child pays only for its own cold paths.
  const node = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], latencyMs: LATENCY_MS, tokensPerSecond: 2000 });
  const api = await startFakeOpenAI({ latencyMs: LATENCY_MS });
  for (let i = 0; i < 5; i++) await (await fetch(`${node.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] }) })).text();
  const results: Record<string, unknown> = {};
  console.log(`first routed request vs the next ${STEADY}, ${TRIALS} fresh processes each (fixture adds ${LATENCY_MS} ms before the first token)`);
  for (const meaning of [false, true]) {
    const runs: Record<Variant, Trial[]> = { cold: [], warm: [] };
    for (let i = 0; i < TRIALS; i++) {
      // Alternated, so drift in the machine's load hits both alike.
      for (const v of i % 2 ? [...VARIANTS].reverse() : VARIANTS) {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/coldStart.ts', v, meaning ? 'meaning' : 'no-meaning', node.url, api.url], { encoding: 'utf8' });
        runs[v].push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Trial);
      }
    }
    const cold = summary(runs.cold);
    const warm = summary(runs.warm);
    const warmUp = warmUpSummary(runs.warm);
    const name = meaning ? 'withMeaning' : 'withoutMeaning';
    results[name] = { cold, warm, warmUp, runs };
    console.log(meaning ? 'learnMeaning on (the sentence encoder embeds each question):' : 'learnMeaning off:');
    console.log(`  no warm-up  : first ${cold.firstMedianMs} ms (max ${cold.firstMaxMs}), steady ${cold.steadyMedianMs} ms: ${cold.firstOverSteady}x`);
    console.log(`  warmed up   : first ${warm.firstMedianMs} ms (max ${warm.firstMaxMs}), steady ${warm.steadyMedianMs} ms: ${warm.firstOverSteady}x`);
    console.log(`  warm-up     : ${warmUp.medianMs} ms in idle time (${warmUp.steps.map((s) => `${s.name} ${s.medianMs} ms`).join(', ')}); longest event-loop stall ${warmUp.maxStallMs} ms (median ${warmUp.medianStallMs} ms)`);
  }
  await Promise.all([node.close(), api.close()]);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/cold-start.json',
    `${JSON.stringify({ benchmark: 'first routed request TTFT vs steady, with and without warm-up', date: new Date().toISOString(), trials: TRIALS, steadyRequests: STEADY, fixtureLatencyMs: LATENCY_MS, ...results, loadAverage: loadavg(), cores: cpus().length, node: process.version }, null, 2)}\n`,
  );
}

const mode = process.argv[2];
if (mode === 'cold' || mode === 'warm') {
  trial(mode === 'warm', process.argv[3] === 'meaning', process.argv[4]!, process.argv[5]!).then(
    // Exits once the line is out: a pipe's write is asynchronous, and the sentence encoder's worker would keep the process alive.
    (t) => process.stdout.write(`${JSON.stringify(t)}\n`, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

// Overhead of the extension's pipeline over calling Ollama directly.
// Three paths hit the same loopback fixture node in alternation, in one run: the `ollama` client's own
// first chunk; `ask()` over rule routing alone (prompt building, dispatch, recording in the store); and
// `ask()` over the services the editor and the CLI build (core/app.ts createServices: the learned router
// with the shipped ONNX model, few-shot examples, the quality gate, compression, vision). Time to first
// token of each; prints the figures and writes bench/results/overhead.json.

import { latencySummary } from './timing';
import { writeFileSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Ollama } from 'ollama';
import { startFakeOllama } from '../test/fixtures';
import { join } from 'node:path';
import { createRouting, createServices } from '../src/core/app';
import { ask } from '../src/core/pipeline';
import { Store } from '../src/core/store/db';
import { Requests } from '../src/core/store/requests';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { DEFAULT_ROUTER_SETTINGS } from '../src/core/router/settings';
import { DEFAULT_QUALITY_SETTINGS } from '../src/core/quality/settings';
import { DEFAULT_CONTEXT_SETTINGS } from '../src/core/context/settings';
import { DEFAULT_VISION_SETTINGS } from '../src/core/vision/settings';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const LATENCY_MS = 20;


async function main() {
  const server = await startFakeOllama({ models: ['llama3.2:latest'], latencyMs: LATENCY_MS, tokensPerSecond: 2000 });
  const { store } = await Store.open();
  const config = { nodes: [{ name: 'bench', baseUrl: server.url, tier: 'local' as const, models: [], maxParallel: 4 }], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY };
  const { deps, nodes } = createRouting({ config, requests: new Requests(store), cloudKey: async () => undefined, log: silentLogger });
  await nodes.refresh();
  const { store: fullStore } = await Store.open();
  const services = createServices({
    store: fullStore,
    routerModels: { shipped: join('models', 'router.onnx') },
    gateModelPath: join('models', 'gate.json'),
    settings: { router: () => ({ ...DEFAULT_ROUTER_SETTINGS, retrainEvery: 0 }), quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => undefined,
    log: silentLogger,
  });
  const full = services.routing(config);
  await full.nodes.refresh();
  const question = 'How do I reverse a list in Python?';

  const direct = async (): Promise<number> => {
    const t0 = performance.now();
    const stream = await new Ollama({ host: server.url }).chat({ model: 'llama3.2', messages: [{ role: 'user', content: question }], stream: true });
    let ttft = NaN;
    for await (const part of stream) if (Number.isNaN(ttft) && part.message.content) ttft = performance.now() - t0;
    return ttft;
  };
  const through = (d: typeof deps) => async (): Promise<number> => {
    const t0 = performance.now();
    let ttft = NaN;
    const events = ask({ id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'cli', signal: new AbortController().signal }, d);
    for await (const e of events) {
      if (e.type === 'token' && Number.isNaN(ttft)) ttft = performance.now() - t0;
      if (e.type === 'end' && e.result.outcome !== 'ok') throw new Error(e.result.error);
    }
    return ttft;
  };
  const paths = { direct, pipeline: through(deps), full: through(full.deps) };
  const names = Object.keys(paths) as (keyof typeof paths)[];
  for (let i = 0; i < 10; i++) for (const name of names) await paths[name]();
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof paths, number[]>;
  for (let i = 0; i < ROUNDS; i++) {
    // Rotate the order so no path always runs on a warmer process.
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      samples[name].push(await paths[name]());
    }
  }
  full.nodes.stopPolling();
  await services.dispose();
  await server.close();
  await Promise.all([store.close(), fullStore.close()]);

  const d = latencySummary(samples.direct);
  const p = latencySummary(samples.pipeline);
  const f = latencySummary(samples.full);
  const result = {
    benchmark: 'time to first token: pipeline vs ollama client alone',
    date: new Date().toISOString(),
    rounds: ROUNDS,
    fixtureLatencyMs: LATENCY_MS,
    directMs: d,
    pipelineMs: p,
    fullServicesMs: f,
    ratioMedian: p.median / d.median,
    overheadMedianMs: p.median - d.median,
    fullRatioMedian: f.median / d.median,
    fullOverheadMedianMs: f.median - d.median,
    node: process.version,
  };
  console.log(`TTFT over ${ROUNDS} rounds (fixture adds ${LATENCY_MS} ms before the first token)`);
  console.log(`  ollama client alone        : median ${d.median.toFixed(2)} ms, p95 ${d.p95.toFixed(2)} ms`);
  console.log(`  ask(), rule routing        : median ${p.median.toFixed(2)} ms, p95 ${p.p95.toFixed(2)} ms, ratio ${result.ratioMedian.toFixed(3)} (+${result.overheadMedianMs.toFixed(2)} ms)`);
  console.log(`  ask(), createServices      : median ${f.median.toFixed(2)} ms, p95 ${f.p95.toFixed(2)} ms, ratio ${result.fullRatioMedian.toFixed(3)} (+${result.fullOverheadMedianMs.toFixed(2)} ms)`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/overhead.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

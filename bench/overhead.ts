// Overhead of the extension's pipeline over calling Ollama directly.
// Both paths hit the same loopback fixture node in alternation, in one run: time to first token
// through `ask()` (routing, prompt building, provider, recording in the store) vs the `ollama`
// client's own first chunk. Prints the figures and writes bench/results/overhead.json.

import { writeFileSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Ollama } from 'ollama';
import { startFakeOllama } from '../test/fixtures';
import { createRouting } from '../src/core/app';
import { ask } from '../src/core/pipeline';
import { Store } from '../src/core/store/db';
import { Requests } from '../src/core/store/requests';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const LATENCY_MS = 20;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function main() {
  const server = await startFakeOllama({ models: ['llama3.2:latest'], latencyMs: LATENCY_MS, tokensPerSecond: 2000 });
  const { store } = await Store.open();
  const { deps, nodes } = createRouting({
    config: { nodes: [{ name: 'bench', baseUrl: server.url, tier: 'local', models: [], maxParallel: 4 }], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY },
    requests: new Requests(store),
    cloudKey: async () => undefined,
    log: silentLogger,
  });
  await nodes.refresh();
  const question = 'How do I reverse a list in Python?';

  const direct = async (): Promise<number> => {
    const t0 = performance.now();
    const stream = await new Ollama({ host: server.url }).chat({ model: 'llama3.2', messages: [{ role: 'user', content: question }], stream: true });
    let ttft = NaN;
    for await (const part of stream) if (Number.isNaN(ttft) && part.message.content) ttft = performance.now() - t0;
    return ttft;
  };
  const pipeline = async (): Promise<number> => {
    const t0 = performance.now();
    let ttft = NaN;
    const events = ask(
      { id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'cli', signal: new AbortController().signal },
      deps,
    );
    for await (const e of events) {
      if (e.type === 'token' && Number.isNaN(ttft)) ttft = performance.now() - t0;
      if (e.type === 'end' && e.result.outcome !== 'ok') throw new Error(e.result.error);
    }
    return ttft;
  };

  for (let i = 0; i < 10; i++) {
    await direct();
    await pipeline();
  }
  const directMs: number[] = [];
  const pipelineMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate the order so neither path always runs on a warmer process.
    if (i % 2 === 0) {
      directMs.push(await direct());
      pipelineMs.push(await pipeline());
    } else {
      pipelineMs.push(await pipeline());
      directMs.push(await direct());
    }
  }
  await server.close();
  await store.close();

  const d = summary(directMs);
  const p = summary(pipelineMs);
  const result = {
    benchmark: 'time to first token: pipeline vs ollama client alone',
    date: new Date().toISOString(),
    rounds: ROUNDS,
    fixtureLatencyMs: LATENCY_MS,
    directMs: d,
    pipelineMs: p,
    ratioMedian: p.median / d.median,
    overheadMedianMs: p.median - d.median,
    node: process.version,
  };
  console.log(`TTFT over ${ROUNDS} rounds (fixture adds ${LATENCY_MS} ms before the first token)`);
  console.log(`  ollama client alone : median ${d.median.toFixed(2)} ms, p95 ${d.p95.toFixed(2)} ms`);
  console.log(`  Singularity pipeline: median ${p.median.toFixed(2)} ms, p95 ${p.p95.toFixed(2)} ms`);
  console.log(`  ratio (median)      : ${result.ratioMedian.toFixed(3)}  (+${result.overheadMedianMs.toFixed(2)} ms)`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/overhead.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

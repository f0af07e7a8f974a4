// Dashboard query speed on a year-of-use sized history: 100,000 requests spread over 60 days (seeded
// mix of routes, nodes, outcomes, strategies) in an in-memory store. Times dashboardData for every
// period and exportRequests (CSV, 30d); each runs 5 times (after one warm-up), the median is reported.
// Writes bench/results/metrics.json. Run: npm run bench:metrics (node --import tsx bench/metrics.ts).
// BENCH_ROWS=20000 for a quick look (the published figures use the default).

import { seededRandom } from '../src/core/random';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Store } from '../src/core/store/db';
import { Requests, type RequestRecord } from '../src/core/store/requests';
import { dashboardData } from '../src/core/metrics/dashboard';
import { exportRequests } from '../src/core/metrics/export';
import { DAY_MS } from '../src/core/metrics/window';
import { PERIODS } from '../src/shared/dashboard';
import type { Route } from '../src/core/types';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const DAYS = 60;
const RUNS = 5;
const TARGET_MS = 50;
const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };


function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

const NODES: Record<Route, string[]> = {
  local: ['laptop'],
  lan: ['desk-4090', 'desk-3090', 'mac-studio', 'nas', 'rig-a', 'rig-b', 'rig-c', 'rig-d', 'rig-e'],
  cloud: ['cloud'],
};

function history(n: number): RequestRecord[] {
  const rand = seededRandom(42);
  const out: RequestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const route: Route = r < 0.3 ? 'local' : r < 0.8 ? 'lan' : 'cloud';
    const o = rand();
    const outcome = o < 0.9 ? 'ok' : o < 0.96 ? 'error' : 'cancelled';
    const ttftMs = outcome === 'error' && rand() < 0.5 ? undefined : 80 + Math.floor(rand() * 900);
    const completionTokens = 20 + Math.floor(rand() * 600);
    out.push({
      id: `r${i}`,
      conversationId: `c${Math.floor(i / 8)}`,
      source: pick(rand, ['panel', 'command', 'cli', 'proxy'] as const),
      category: pick(rand, ['explain', 'edit', 'review', 'chat']),
      task: rand() < 0.05 ? 'vision' : rand() < 0.6 ? 'code' : 'chat',
      route,
      node: pick(rand, NODES[route]),
      model: pick(rand, ['qwen2.5-coder:7b', 'llama3.1:8b', 'gpt-4o-mini']),
      strategy: rand() < 0.95 ? 'rule' : 'heuristic',
      reason: 'bench, "quoted", with comma',
      promptTokens: 100 + Math.floor(rand() * 4000),
      completionTokens,
      tokensEstimated: rand() < 0.1,
      ttftMs,
      totalMs: ttftMs === undefined ? undefined : ttftMs + completionTokens * (10 + rand() * 30),
      attempts: rand() < 0.05 ? 2 : 1,
      outcome,
      error: outcome === 'error' ? 'node unreachable,\nretried' : undefined,
      createdAt: NOW - Math.floor(rand() * DAYS * DAY_MS),
    });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function time(fn: () => unknown): Promise<number> {
  await fn(); // warm-up (statement compilation, JIT)
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

async function main(): Promise<void> {
  const { store } = await Store.open();
  const requests = new Requests(store);
  const t0 = performance.now();
  store.write('BEGIN');
  for (const r of history(ROWS)) requests.record(r);
  store.write('COMMIT');
  const insertMs = performance.now() - t0;
  console.log(`inserted ${requests.count()} requests in ${insertMs.toFixed(0)} ms`);

  const medianMsByQuery: Record<string, number> = {};
  for (const period of PERIODS) medianMsByQuery[`dashboard ${period}`] = await time(() => dashboardData(store, { period, now: NOW, prices: PRICES }));
  let exported = 0;
  medianMsByQuery['export csv 30d'] = await time(async () => (exported = (await exportRequests(store, { period: '30d', now: NOW, format: 'csv' })).rows));
  medianMsByQuery['export json 30d'] = await time(() => exportRequests(store, { period: '30d', now: NOW, format: 'json' }));

  const allUnderTarget = Object.values(medianMsByQuery).every((ms) => ms < TARGET_MS);
  console.log(`\n${'query'.padEnd(20)} ${'median ms'.padStart(10)}`);
  for (const [q, ms] of Object.entries(medianMsByQuery)) console.log(`${q.padEnd(20)} ${ms.toFixed(1).padStart(10)}${ms < TARGET_MS ? '' : '  > target'}`);
  console.log(`\n(export 30d: ${exported} rows; target ${TARGET_MS} ms; all under target: ${allUnderTarget})`);

  mkdirSync('bench/results', { recursive: true });
  const round = (x: number) => Math.round(x * 10) / 10;
  writeFileSync(
    'bench/results/metrics.json',
    `${JSON.stringify(
      {
        rows: ROWS,
        days: DAYS,
        runs: RUNS,
        medianMsByQuery: Object.fromEntries(Object.entries(medianMsByQuery).map(([q, ms]) => [q, round(ms)])),
        targetMs: TARGET_MS,
        allUnderTarget,
        exportRows30d: exported,
        insertMs: Math.round(insertMs),
        node: process.version,
        date: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

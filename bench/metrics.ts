// Dashboard query speed on a year-of-use sized history: 100,000 requests spread over 60 days (seeded
// mix of routes, nodes, outcomes, strategies) with what the learning and compression series read: a
// training row per routed request (labels, thumbs, reroutes), gate verdicts on node answers, thumbs
// feedback, compressed cloud contexts and replaced node answers; in an in-memory store. Times
// dashboardData for every period and exportRequests (CSV, 30d); each runs 5 times (after one warm-up),
// the median is reported.
// Writes bench/results/metrics.json. Run: npm run bench:metrics (node --import tsx bench/metrics.ts).
// BENCH_ROWS=20000 for a quick look (the published figures use the default).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dashboardData } from '../src/core/metrics/dashboard';
import { exportRequests } from '../src/core/metrics/export';
import { PERIODS } from '../src/shared/dashboard';
import { DAYS, metricsHistory, NOW } from './metricsHistory';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = 5;
const TARGET_MS = 50;
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };

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
  const t0 = performance.now();
  const store = await metricsHistory(ROWS);
  const insertMs = performance.now() - t0;
  console.log(`inserted ${ROWS} requests and their learning rows in ${insertMs.toFixed(0)} ms`);

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

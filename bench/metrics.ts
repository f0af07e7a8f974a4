// Dashboard query speed on a year-of-use sized history: 100,000 requests spread over 60 days (seeded
// mix of routes, nodes, outcomes, strategies) with what the learning and compression series read: a
// training row per routed request (labels, thumbs, reroutes), gate verdicts on node answers, thumbs
// feedback, compressed cloud contexts and replaced node answers; in an in-memory store. Times
// dashboardData for every period and exportRequests (CSV, 30d); each runs 5 times (after one warm-up),
// the median is reported, next to the same history after the default retention pass (which rolls the days past 31
// up), then every period on a year of use (the same requests over 365 days, after the default pass: 90 days kept).
// Writes bench/results/metrics.json (METRICS_OUT=path elsewhere). Run: npm run bench:metrics (node --import tsx
// bench/metrics.ts). BENCH_ROWS=20000 for a quick look (the published figures use the default). METRICS_BEFORE=path
// adds an earlier run's figures (e.g. this bench at the commit before a change) side by side, with CPU-time ratios.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dashboardData } from '../src/core/metrics/dashboard';
import { exportRequests } from '../src/core/metrics/export';
import { PERIODS } from '../src/shared/dashboard';
import { DEFAULT_RETENTION, runRetention } from '../src/core/store/retention';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/**
 * Median wall time and median CPU time of the process (user + system) over RUNS runs: on a shared machine the
 * wall time includes waiting for a core, the CPU time is the work itself.
 */
async function time(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  await fn(); // warm-up (statement compilation, JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const store = await metricsHistory(ROWS);
  const insertMs = performance.now() - t0;
  console.log(`inserted ${ROWS} requests and their learning rows in ${insertMs.toFixed(0)} ms`);

  // The same history after the default retention pass, as it runs a minute after activation: nothing is old
  // enough to delete, the days past ROLLUP_AFTER_DAYS are rolled up, the training rows capped. How long it takes
  // and its longest event-loop stall; then every period is timed on both stores, one after the other.
  const passed = await metricsHistory(ROWS);
  const stall = monitorEventLoopDelay({ resolution: 5 });
  stall.enable();
  const r0 = performance.now();
  const retention = await runRetention(passed, DEFAULT_RETENTION, NOW);
  const retentionMs = performance.now() - r0;
  stall.disable();

  const load = loadavg()[0]!;
  const timed: Record<string, { wall: number; cpu: number }> = {};
  for (const period of PERIODS) {
    timed[`dashboard ${period}`] = await time(() => dashboardData(store, { period, now: NOW, prices: PRICES }));
    timed[`after the default retention pass: dashboard ${period}`] = await time(() => dashboardData(passed, { period, now: NOW, prices: PRICES }));
  }
  await passed.close();
  let exported = 0;
  timed['export csv 30d'] = await time(async () => (exported = (await exportRequests(store, { period: '30d', now: NOW, format: 'csv' })).rows));
  timed['export json 30d'] = await time(() => exportRequests(store, { period: '30d', now: NOW, format: 'json' }));
  await store.close();
  // A year of use as the issue measures it: the same number of requests over 365 days, after the default
  // retention pass (90 days kept, the rest in the daily aggregates).
  const year = await metricsHistory(ROWS, 365);
  await runRetention(year, DEFAULT_RETENTION, NOW);
  for (const period of PERIODS) timed[`year, 90 days kept: dashboard ${period}`] = await time(() => dashboardData(year, { period, now: NOW, prices: PRICES }));
  await year.close();
  const round = (x: number) => Math.round(x * 10) / 10;
  const medianMsByQuery = Object.fromEntries(Object.entries(timed).map(([q, t]) => [q, round(t.wall)]));
  const medianCpuMsByQuery = Object.fromEntries(Object.entries(timed).map(([q, t]) => [q, round(t.cpu)]));
  const dashboards = Object.entries(timed).filter(([q]) => q.includes('dashboard'));
  const allUnderTarget = dashboards.every(([, t]) => t.wall < TARGET_MS);
  // A previous results file (METRICS_BEFORE=path, e.g. the same bench at the commit before a change) is shown
  // side by side, with the ratios.
  const beforeFile = process.env.METRICS_BEFORE;
  const before = beforeFile && existsSync(beforeFile) ? (JSON.parse(readFileSync(beforeFile, 'utf8')) as { medianMsByQuery: Record<string, number>; medianCpuMsByQuery?: Record<string, number>; commit?: string }) : undefined;
  console.log(`\n${'query'.padEnd(52)} ${'wall ms'.padStart(9)} ${'cpu ms'.padStart(9)}${before ? `${'before wall'.padStart(13)} ${'before cpu'.padStart(11)} ${'cpu ratio'.padStart(10)}` : ''}`);
  for (const [q, t] of Object.entries(timed)) {
    const b = before ? `${String(before.medianMsByQuery[q] ?? '').padStart(13)} ${String(before.medianCpuMsByQuery?.[q] ?? '').padStart(11)} ${(before.medianCpuMsByQuery?.[q] ? (before.medianCpuMsByQuery[q]! / t.cpu).toFixed(1) + 'x' : '').padStart(10)}` : '';
    console.log(`${q.padEnd(52)} ${t.wall.toFixed(1).padStart(9)} ${t.cpu.toFixed(1).padStart(9)}${b}${q.includes('dashboard') && t.wall >= TARGET_MS ? '  > target' : ''}`);
  }
  console.log(`\ndefault retention pass: ${retentionMs.toFixed(0)} ms, ${retention.slicesRolledUp} slices rolled up, ${retention.trainingRowsDeleted} training rows over the cap deleted, longest event-loop stall ${(stall.max / 1e6).toFixed(0)} ms`);
  console.log(`(export 30d: ${exported} rows; dashboard target ${TARGET_MS} ms per period; all under target: ${allUnderTarget}; load average ${load.toFixed(1)} on ${process.env.BENCH_CORES ?? 'this machine'})`);

  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    process.env.METRICS_OUT ?? 'bench/results/metrics.json',
    `${JSON.stringify(
      {
        rows: ROWS,
        days: DAYS,
        runs: RUNS,
        medianMsByQuery,
        medianCpuMsByQuery,
        ...(before ? { before: { commit: before.commit, medianMsByQuery: before.medianMsByQuery, medianCpuMsByQuery: before.medianCpuMsByQuery } } : {}),
        retention: { policy: DEFAULT_RETENTION, ms: Math.round(retentionMs), ...retention, longestStallMs: Math.round(stall.max / 1e6) },
        loadAverage: round(load),
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
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

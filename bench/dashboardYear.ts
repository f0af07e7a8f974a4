// The dashboard on a year-of-use database file (bench/yearOfUse.ts: 100k requests over 365 days with their
// training rows, gate verdicts, examples and panel text, ~200 MB), opened with Store.open as the extension
// opens it: dashboardData for every period and the CSV export of 30 days and of all time, each run 5 times
// after one warm-up, median and max. bench/metrics.ts measures the same queries on an in-memory table of
// requests alone; this one measures the file a year of use leaves. Target (issue 20): ≤ 50 ms per period.
// Writes bench/results/dashboard-year.json.
//
//   npm run bench:dashboard-year                 (generates the full database, ~25 s)
//   BENCH_SIZE=38mb npm run bench:dashboard-year
//   BENCH_DB=/tmp/year.db npm run bench:dashboard-year   (a file made by npm run bench:year-db; it is not written)

import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/core/store/db';
import { dashboardData } from '../src/core/metrics/dashboard';
import { exportRequests } from '../src/core/metrics/export';
import { PERIODS, type Period } from '../src/shared/dashboard';
import { generateYearOfUse, isSizeName, SIZES } from './yearOfUse';
import { quantile, round1 } from './timing';
import { machineLine, writeResults } from './report';

const RUNS = 5;
const TARGET_MS = 50;
const SIZE = process.env.BENCH_SIZE ?? 'full';
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };

async function timed(fn: () => unknown): Promise<{ medianMs: number; maxMs: number }> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return { medianMs: round1(quantile(runs, 0.5)), maxMs: round1(Math.max(...runs)) };
}

async function main(): Promise<void> {
  if (!isSizeName(SIZE)) throw new Error(`BENCH_SIZE must be one of ${Object.keys(SIZES).join(', ')} (got "${SIZE}").`);
  const dir = mkdtempSync(join(tmpdir(), 'singularity-dashboard-year-'));
  try {
    const file = join(dir, 'year.db');
    if (process.env.BENCH_DB) copyFileSync(process.env.BENCH_DB, file);
    else await generateYearOfUse({ requests: SIZES[SIZE], file });
    const megabytes = round1(statSync(file).size / 1e6);
    const t0 = performance.now();
    const { store } = await Store.open({ file });
    const openMs = round1(performance.now() - t0);
    try {
      const [row] = await store.query<{ n: number; newest: number | null }>('SELECT COUNT(*) AS n, MAX(created_at) AS newest FROM requests');
      if (!row?.newest) throw new Error(`${file} holds no requests: generate it with npm run bench:year-db.`);
      const n = Number(row.n);
      // The window ends just after the newest request, so "today" holds the day the history ends in.
      const now = Number(row.newest) + 60_000;
      const byQuery: Record<string, { medianMs: number; maxMs: number }> = {};
      for (const period of PERIODS) byQuery[`dashboard ${period}`] = await timed(() => dashboardData(store, { period, now, prices: PRICES }));
      const exported: Partial<Record<Period, number>> = {};
      for (const period of ['30d', 'all'] as const) {
        byQuery[`export csv ${period}`] = await timed(async () => (exported[period] = (await exportRequests(store, { period, now, format: 'csv' })).rows));
      }

      const dashboardsUnderTarget = PERIODS.every((p) => byQuery[`dashboard ${p}`]!.medianMs <= TARGET_MS);
      console.log(`\nDashboard on a year-of-use file: ${megabytes} MB, ${n} requests (opened in ${openMs} ms), ${machineLine()}`);
      console.log(`${'query'.padEnd(20)}${'median ms'.padStart(12)}${'max ms'.padStart(10)}`);
      for (const [q, t] of Object.entries(byQuery)) console.log(`${q.padEnd(20)}${String(t.medianMs).padStart(12)}${String(t.maxMs).padStart(10)}${q.startsWith('dashboard') && t.medianMs > TARGET_MS ? '  > target' : ''}`);
      console.log(`\n(export rows: 30d ${exported['30d']}, all ${exported.all}; every period ≤ ${TARGET_MS} ms: ${dashboardsUnderTarget})`);

      writeResults('dashboard-year', {
        database: { source: process.env.BENCH_DB ? 'BENCH_DB' : SIZE, megabytes, requests: n, openMs },
        runs: RUNS,
        byQuery,
        exportRows: exported,
        targetMs: TARGET_MS,
        dashboardsUnderTarget,
      });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

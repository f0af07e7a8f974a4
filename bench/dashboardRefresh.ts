// How busy an open dashboard keeps the host during a batch: 200 requests recorded 50 ms apart into a store
// holding a 100k-request history (bench/metricsHistory.ts), with the dashboard following them on its period.
// Side by side in one run: no dashboard open (the recording alone), the previous refresh policy (a recompute
// 300 ms after a request, for every burst), and CoalescedRefresh (src/core/metrics/refresh.ts: at most one a
// second). The host's busy share is the event loop utilization over the burst (perf_hooks), next to the
// number of recomputes and the longest event-loop delay (monitorEventLoopDelay).
// Run: npm run bench:refresh (node --import tsx bench/dashboardRefresh.ts; BENCH_ROWS=20000 for a quick look). Writes
// bench/results/dashboard-refresh.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { dashboardData } from '../src/core/metrics/dashboard';
import { CoalescedRefresh } from '../src/core/metrics/refresh';
import { Requests } from '../src/core/store/requests';
import type { Store } from '../src/core/store/db';
import type { Period } from '../src/shared/dashboard';
import { metricsHistory, NOW } from './metricsHistory';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BURST = 200;
const EVERY_MS = 50;
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };

type Follow = (recompute: () => Promise<void>) => { changed(): void; dispose(): void };

/** The refresh before issue 20: one recompute 300 ms after the first request of each burst, whatever follows. */
const previous: Follow = (recompute) => {
  let timer: NodeJS.Timeout | undefined;
  return {
    changed: () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void recompute();
      }, 300);
    },
    dispose: () => clearTimeout(timer),
  };
};

const coalesced: Follow = (recompute) => new CoalescedRefresh(recompute, 1000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function burst(store: Store, period: Period, follow: Follow | undefined, first: number) {
  const requests = new Requests(store);
  let recomputes = 0;
  const policy = follow?.(async () => {
    recomputes++;
    await dashboardData(store, { period, now: NOW + 60_000, prices: PRICES });
  });
  const off = requests.onRecord(() => policy?.changed());
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const start = performance.eventLoopUtilization();
  for (let i = 0; i < BURST; i++) {
    requests.record({ id: `b${first + i}`, source: 'panel', route: 'lan', node: 'desk-4090', strategy: 'rule', outcome: 'ok', tokensEstimated: false, attempts: 1, ttftMs: 200, totalMs: 900, promptTokens: 300, completionTokens: 80, createdAt: NOW + i });
    await sleep(EVERY_MS);
  }
  await sleep(1100); // the last recompute of the burst
  const busy = performance.eventLoopUtilization(start).utilization;
  delay.disable();
  off();
  policy?.dispose();
  return { busyShare: Math.round(busy * 1000) / 1000, recomputes, maxDelayMs: Math.round(delay.max / 1e6) };
}

async function main(): Promise<void> {
  const store = await metricsHistory(ROWS);
  const results: Record<string, Awaited<ReturnType<typeof burst>>> = {};
  let first = 0;
  for (const period of ['7d', 'all'] as const) {
    for (const [name, follow] of [['no dashboard', undefined], ['previous (300 ms after each burst)', previous], ['coalesced (1 s)', coalesced]] as const) {
      const key = `${period}: ${name}`;
      results[key] = await burst(store, period, follow, first);
      first += BURST;
      console.log(`${key.padEnd(44)} busy ${(results[key].busyShare * 100).toFixed(1).padStart(5)}%  recomputes ${String(results[key].recomputes).padStart(3)}  max delay ${results[key].maxDelayMs} ms`);
    }
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/dashboard-refresh.json',
    `${JSON.stringify({ rows: ROWS, burst: BURST, everyMs: EVERY_MS, results, loadAverage: Math.round(loadavg()[0]! * 10) / 10, node: process.version, date: new Date().toISOString() }, null, 2)}\n`,
  );
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

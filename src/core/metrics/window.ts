// The time window and bucket size of a dashboard period, shared by the dashboard (dashboard.ts) and
// the export (export.ts) so both always cover exactly the same requests, and the SQL pieces every
// dashboard query is built from (buckets as a CTE, index ranges, packed aggregates). Days that retention
// rolled up (store/retention.ts) are read from the daily aggregates: the tables are read from `kept` on.

import type { Store } from '../store/db';
import type { Period } from '../../shared/dashboard';

import { DAY_MS, dayStart, HOUR_MS } from '../time';
import { rolledUpUntil } from '../store/dailyAggregates';

export { DAY_MS, dayStart, HOUR_MS };
/** The 'all' period widens its buckets (whole days) so a chart never has more than this many. */
export const MAX_BUCKETS = 120;

export interface PeriodWindow {
  /** First instant of the window (inclusive), epoch ms. */
  from: number;
  /** Last instant of the window (inclusive): `now`. */
  to: number;
  bucketMs: number;
  /** Number of buckets; bucket i covers [from + i * bucketMs, from + (i + 1) * bucketMs), the last one also holds `to`. */
  buckets: number;
  /**
   * First instant whose rows are still in the per-request tables (0 when nothing was rolled up): earlier days
   * are read from the daily aggregates, a day counting in the bucket that holds its start.
   */
  kept: number;
}

/** Local midnight (the machine's time zone) of the day that contains `now`. */
export function localMidnight(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}


/**
 * The window of a period ending at `now`:
 * - today: since local midnight, 1-hour buckets (up to 24, 23 or 25 on daylight-saving days);
 * - 7d: the last 7 × 24 h, 6-hour buckets (28);
 * - 30d: the last 30 × 24 h, 1-day buckets (30);
 * - all: since the start of the (UTC) day of the oldest request or aggregate (or `now` with none), 1-day
 *   buckets, widened to whole multiples of a day so there are at most MAX_BUCKETS; whole days, so a rolled-up
 *   day falls in the bucket its requests fell in and "all" reads the same after a retention pass.
 * Requests with created_at in [from, to] belong to the window (a request stamped after `now` does not).
 */
export async function periodWindow(period: Period, now: number, store: Store): Promise<PeriodWindow> {
  const to = Math.floor(now);
  let from: number;
  let bucketMs: number;
  switch (period) {
    case 'today':
      from = localMidnight(to);
      bucketMs = HOUR_MS;
      break;
    case '7d':
      from = to - 7 * DAY_MS;
      bucketMs = 6 * HOUR_MS;
      break;
    case '30d':
      from = to - 30 * DAY_MS;
      bucketMs = DAY_MS;
      break;
    case 'all': {
      // MIN over the created_at index and the day index: two index lookups.
      const [row] = await store.query<{ request: number | null; day: number | null }>(
        'SELECT (SELECT MIN(created_at) FROM requests) AS request, (SELECT MIN(day) FROM daily_requests) AS day',
      );
      const oldest = [row?.request, row?.day].filter((t): t is number => t != null).map(Number);
      from = oldest.length === 0 ? to : Math.min(dayStart(Math.min(...oldest)), to);
      bucketMs = DAY_MS * Math.max(1, Math.ceil((to - from) / (MAX_BUCKETS * DAY_MS)));
      break;
    }
  }
  const buckets = Math.max(1, Math.ceil((to - from) / bucketMs));
  return { from, to, bucketMs, buckets, kept: await rolledUpUntil(store) };
}

/** Start of each bucket of a window. */
export function bucketStarts(w: PeriodWindow): number[] {
  return Array.from({ length: w.buckets }, (_, i) => w.from + i * w.bucketMs);
}

/**
 * SQL condition selecting the rows of a window, with the bounds inlined as integer literals (numbers
 * computed here, never user text): sql.js binds numbers above 2^31 as REAL, literals keep them integers.
 */
export function windowCondition(w: PeriodWindow, column = 'created_at'): string {
  return `${column} BETWEEN ${int(w.from)} AND ${int(w.to)}`;
}

/** windowCondition over the rows still in the tables (from `kept` on); the rest is in the daily aggregates. */
export function keptCondition(w: PeriodWindow, column = 'created_at'): string {
  return `${column} BETWEEN ${int(Math.max(w.from, w.kept))} AND ${int(w.to)}`;
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`Not an integer: ${n}`);
  return String(n);
}

/*
 * How the queries stay fast (sql.js is SQLite compiled to WebAssembly: a few hundred ns per row and
 * expression, and a GROUP BY over 50k rows costs ~50 ms in its sorter alone): no GROUP BY over rows.
 * A CTE lists the buckets (and the keys: route × outcome, nodes, strategies); each output row is one
 * correlated aggregate over an index range (key = ?, created_at in bucket) of a covering index, so
 * every row of the window is visited once per series, without a sort and without reading the table.
 * A subquery returns one value, so several aggregates are packed as 'a,b,c' and split here.
 */

/**
 * The buckets of a window as a CTE `w(i, lo, hi)`: bucket i covers [lo, hi) of the rows still in the tables
 * (lo is at least `kept`); the last one ends after `to`.
 */
export function bucketsCte(w: PeriodWindow): string {
  const last = w.buckets - 1;
  return `b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i < ${last}),
    w(i, lo, hi) AS (SELECT i, MAX(${int(w.kept)}, ${w.from} + i * ${w.bucketMs}), CASE WHEN i = ${last} THEN ${w.to + 1} ELSE ${w.from} + (i + 1) * ${w.bucketMs} END FROM b)`;
}

export const inRange = (alias: string) => `${alias}.created_at >= w.lo AND ${alias}.created_at < w.hi`;

/** Splits a packed 'a,b,c' aggregate; an empty part is null. */
export function unpack(v: string | number | null): (number | null)[] {
  if (v == null) return [];
  return String(v)
    .split(',')
    .map((p) => (p === '' ? null : Number(p)));
}

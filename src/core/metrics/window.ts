// The time window and bucket size of a dashboard period, shared by the dashboard (dashboard.ts) and
// the export (export.ts) so both always cover exactly the same requests.

import type { Store } from '../store/db';
import type { Period } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
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
 * - all: since the oldest request (or `now` with none), 1-day buckets, widened to whole multiples of
 *   a day so there are at most MAX_BUCKETS.
 * Requests with created_at in [from, to] belong to the window (a request stamped after `now` does not).
 */
export function periodWindow(period: Period, now: number, store: Store): PeriodWindow {
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
      // MIN over the created_at index is a single index lookup.
      const oldest = store.query<{ oldest: number | null }>('SELECT MIN(created_at) AS oldest FROM requests')[0]?.oldest;
      from = oldest == null ? to : Math.min(Math.floor(oldest), to);
      bucketMs = DAY_MS * Math.max(1, Math.ceil((to - from) / (MAX_BUCKETS * DAY_MS)));
      break;
    }
  }
  const buckets = Math.max(1, Math.ceil((to - from) / bucketMs));
  return { from, to, bucketMs, buckets };
}

/** Start of each bucket of a window. */
export function bucketStarts(w: PeriodWindow): number[] {
  return Array.from({ length: w.buckets }, (_, i) => w.from + i * w.bucketMs);
}

/**
 * SQL condition selecting the rows of a window, with the bounds inlined as integer literals (numbers
 * computed here, never user text): sql.js binds numbers above 2^31 as REAL, literals keep them integers.
 */
export function windowCondition(w: PeriodWindow): string {
  return `created_at BETWEEN ${int(w.from)} AND ${int(w.to)}`;
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`Not an integer: ${n}`);
  return String(n);
}

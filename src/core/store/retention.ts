// Retention: what a year of use may keep. Per-request rows (requests, predictions, gate verdicts, feedback) and
// the conversation text older than the kept days are deleted. Before that, every day older than ROLLUP_AFTER_DAYS
// (or the kept days, if fewer) is rolled up into the daily aggregates the dashboard reads (migration 010;
// metrics/days.ts): "all time" stays what it was once the rows are gone, and meanwhile "all" reads a month of
// rows instead of the whole history. The router's training rows are capped by count instead, keeping the ones
// that teach it something. The pure decisions come first; runRetention applies them a slice of at most
// BATCH_ROWS requests (or rows) at a time, yielding in between, so no statement holds the database for long.

import type { Store } from './db';
import type { Logger } from '../log';
import { DAY_MS, dayStart } from '../time';
import { LEARNING_SUMS, REQUEST_SUMS, rolledUpUntil } from './dailyAggregates';

export interface RetentionPolicy {
  /** Whole days kept before today; 0 keeps everything (setting singularity.retention.days). */
  days: number;
  /** At most this many router training rows. */
  maxTrainingRows: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { days: 90, maxTrainingRows: 20_000 };

/** Requests rolled up and deleted per slice, and messages or training rows deleted per statement. */
export const BATCH_ROWS = 250;

/**
 * Days after which requests are read from the daily aggregates: more than the 30-day period spans (its window
 * starts 30 × 24 h before now), so only "all" reads them while fewer days are kept than that.
 */
export const ROLLUP_AFTER_DAYS = 31;

/** First instant not rolled up: the start of the (UTC) day ROLLUP_AFTER_DAYS (or the kept days, if fewer) before today's. */
export function rollupHorizon(now: number, days: number): number {
  return dayStart(now) - (days > 0 ? Math.min(Math.floor(days), ROLLUP_AFTER_DAYS) : ROLLUP_AFTER_DAYS) * DAY_MS;
}

/** First instant kept: the start of the (UTC) day `days` days before today's; undefined when everything is kept. */
export function retentionCutoff(now: number, days: number): number | undefined {
  if (!(days > 0)) return undefined;
  return dayStart(now) - Math.floor(days) * DAY_MS;
}

/** The day of the next slice to roll up (its start), or undefined when the oldest row not rolled up is recent. */
export function nextDayToRollUp(oldest: number | undefined, horizon: number): number | undefined {
  if (oldest === undefined || oldest >= horizon) return undefined;
  return dayStart(oldest);
}

/**
 * End of the slice that starts at `from`: the day's end, or earlier where BATCH_ROWS requests are reached
 * (`nextBatch`: the created_at of the first request after them, if any); at least 1 ms past `from`.
 */
export function sliceEnd(from: number, nextBatch: number | undefined): number {
  const end = dayStart(from) + DAY_MS;
  return nextBatch === undefined ? end : Math.min(end, Math.max(from + 1, nextBatch));
}

/** Training rows to delete so that `count` fits under the cap. */
export const trainingRowsOverCap = (count: number, cap: number): number => Math.max(0, count - Math.max(0, Math.floor(cap)));

/**
 * A row that teaches the router: it has a label, or the user said something (thumbs, a reroute). The others
 * are deleted first, oldest first; then, if still over the cap, the oldest informative ones.
 */
const INFORMATIVE_SQL = '(label IS NOT NULL OR thumbs IS NOT NULL OR rerouted = 1)';

export interface RetentionReport {
  /** Slices of at most BATCH_ROWS requests rolled up. */
  slicesRolledUp: number;
  /** Per-request rows deleted (requests, gate verdicts, thumbs), rounded up to whole batches. */
  rowsDeleted: number;
  trainingRowsDeleted: number;
  conversationsDeleted: number;
}

/** Waits for the event loop to take its turn: other work runs between two statements of a pass. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const count = async (store: Store, sql: string, params: (number | string)[] = []): Promise<number> =>
  Number((await store.query<{ n: number | null }>(sql, params))[0]?.n ?? 0);

/** One retention pass. Stops between statements when `signal` aborts; what was done stays done and consistent. */
export async function runRetention(store: Store, policy: RetentionPolicy, now: number, signal?: AbortSignal): Promise<RetentionReport> {
  const report: RetentionReport = { slicesRolledUp: 0, rowsDeleted: 0, trainingRowsDeleted: 0, conversationsDeleted: 0 };
  const horizon = rollupHorizon(now, policy.days);
  let previous: number | undefined;
  for (;;) {
    if (signal?.aborted) return report;
    const since = await rolledUpUntil(store);
    const oldest = await oldestRowSince(store, since);
    const day = nextDayToRollUp(oldest, horizon);
    if (oldest === undefined || day === undefined) break;
    // A slice moves `since` past its first row; the same row again means the writes did not land (a closed store).
    if (oldest === previous) throw new Error(`Retention made no progress at ${new Date(oldest).toISOString()}: the database did not take the rollup.`);
    previous = oldest;
    const [next] = await store.query<{ t: number }>(`SELECT created_at AS t FROM requests WHERE created_at >= ? ORDER BY created_at LIMIT 1 OFFSET ${BATCH_ROWS}`, [oldest]);
    rollUpSlice(store, day, oldest, Math.min(horizon, sliceEnd(oldest, next ? Number(next.t) : undefined)));
    report.slicesRolledUp++;
    await yieldTurn();
  }
  const cutoff = retentionCutoff(now, policy.days);
  if (cutoff !== undefined) {
    report.rowsDeleted = await deleteOlderRows(store, cutoff, signal);
    report.conversationsDeleted = await deleteOldConversations(store, cutoff, signal);
  }
  report.trainingRowsDeleted = await capTrainingRows(store, policy.maxTrainingRows, signal);
  return report;
}

/** The oldest created_at from `since` on among the tables rolled up (each read from an index). */
async function oldestRowSince(store: Store, since: number): Promise<number | undefined> {
  const [row] = await store.query<{ r: number | null; g: number | null; f: number | null }>(
    `SELECT (SELECT MIN(created_at) FROM requests WHERE created_at >= ?1) AS r, (SELECT MIN(created_at) FROM quality_gate_results WHERE created_at >= ?1) AS g,
            (SELECT MIN(created_at) FROM feedback_data WHERE kind = 'thumbs' AND created_at >= ?1) AS f`,
    [since],
  );
  const times = [row?.r, row?.g, row?.f].filter((t): t is number => t != null).map(Number);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Deletes the per-request rows older than the cutoff, BATCH_ROWS at a time: all of them lie before the rolled-up
 * horizon, so the aggregates already hold them. A request's prediction goes with it.
 */
async function deleteOlderRows(store: Store, cutoff: number, signal?: AbortSignal): Promise<number> {
  const oldRequests = `SELECT id FROM requests WHERE created_at < ?1 ORDER BY created_at LIMIT ${BATCH_ROWS}`;
  const batches: [string, string[]][] = [
    ['SELECT EXISTS (SELECT 1 FROM requests WHERE created_at < ?1) AS n', [
      `DELETE FROM ml_router_predictions WHERE request_id IN (${oldRequests})`,
      `DELETE FROM requests WHERE id IN (${oldRequests})`,
    ]],
    ['SELECT EXISTS (SELECT 1 FROM quality_gate_results WHERE created_at < ?1) AS n', [
      `DELETE FROM quality_gate_results WHERE rowid IN (SELECT rowid FROM quality_gate_results WHERE created_at < ?1 LIMIT ${BATCH_ROWS})`,
    ]],
    ["SELECT EXISTS (SELECT 1 FROM feedback_data WHERE kind = 'thumbs' AND created_at < ?1) AS n", [
      `DELETE FROM feedback_data WHERE rowid IN (SELECT rowid FROM feedback_data WHERE kind = 'thumbs' AND created_at < ?1 LIMIT ${BATCH_ROWS})`,
    ]],
  ];
  let deleted = 0;
  for (const [any, remove] of batches) {
    while (!signal?.aborted && (await count(store, any, [cutoff])) > 0) {
      for (const statement of remove) store.write(statement, [cutoff]);
      deleted += BATCH_ROWS;
      await yieldTurn();
    }
  }
  return deleted;
}

/**
 * Adds the rows of [from, until) (within `day`) to their day's aggregates and moves the rolled-up horizon to
 * `until` (daily_learning.until): from then on the dashboard reads them from the aggregates, not the tables. The
 * writes are issued back to back with no await between them, so no other write and no save lands in the middle.
 * The sums are those of metrics/dashboard.ts, compression.ts and learning.ts (same conditions), so the dashboard
 * reads the same figures from either.
 */
function rollUpSlice(store: Store, day: number, from: number, until: number): void {
  const range = [day, from, until];
  const tps = '(CASE WHEN total_ms > ttft_ms THEN completion_tokens * 1000.0 / (total_ms - ttft_ms) END)';
  const sums = (columns: readonly string[]) => columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
  store.write(
    `INSERT INTO daily_requests (day, route, node, outcome, requests, with_ttft, ttft_sum, prompt_tokens, completion_tokens,
       with_tps, tps_sum, replaced, replaced_prompt_tokens, replaced_completion_tokens, compressed, context_tokens_before, context_tokens_after)
     SELECT ?1, COALESCE(route, ''), COALESCE(node, ''), outcome, COUNT(*), COUNT(ttft_ms), TOTAL(ttft_ms),
       TOTAL(prompt_tokens), TOTAL(completion_tokens), COUNT(${tps}), TOTAL(${tps}), COUNT(replaced_by),
       TOTAL(CASE WHEN replaced_by IS NOT NULL THEN prompt_tokens END), TOTAL(CASE WHEN replaced_by IS NOT NULL THEN completion_tokens END),
       COUNT(context_tokens_before), TOTAL(context_tokens_before), TOTAL(CASE WHEN context_tokens_before IS NOT NULL THEN context_tokens_after END)
     FROM requests WHERE created_at >= ?2 AND created_at < ?3 GROUP BY route, node, outcome
     ON CONFLICT (day, route, node, outcome) DO UPDATE SET ${sums(REQUEST_SUMS)}`,
    range,
  );
  store.write(
    `INSERT INTO daily_strategies (day, strategy, requests)
     SELECT ?1, COALESCE(strategy, ''), COUNT(*) FROM requests WHERE created_at >= ?2 AND created_at < ?3 GROUP BY strategy
     ON CONFLICT (day, strategy) DO UPDATE SET requests = requests + excluded.requests`,
    range,
  );
  // Training rows are counted through their request (they have the same created_at).
  store.write(
    `INSERT INTO daily_learning (day, until, labelled, accepted, rerouted, rejected, thumbs, thumbs_up, gate_scored, gate_score_sum, escalated)
     SELECT ?1, ?3, t.labelled, t.accepted, t.rerouted, t.rejected, f.n, f.up, g.n, g.score, g.escalated FROM
       (SELECT TOTAL(t.label IS NOT NULL AND t.route != 'cloud') AS labelled, TOTAL(t.label = '0' AND t.route != 'cloud') AS accepted,
               TOTAL(t.label IS NOT NULL AND t.route != 'cloud' AND t.rerouted = 1) AS rerouted, TOTAL(t.thumbs = -1 OR t.rerouted = 1) AS rejected
          FROM requests r JOIN ml_router_training_data t ON t.request_id = r.id WHERE r.created_at >= ?2 AND r.created_at < ?3) t,
       (SELECT COUNT(*) AS n, TOTAL(value = 1) AS up FROM feedback_data WHERE kind = 'thumbs' AND created_at >= ?2 AND created_at < ?3) f,
       (SELECT COUNT(*) AS n, TOTAL(score) AS score, COUNT(escalated_to) AS escalated FROM quality_gate_results WHERE created_at >= ?2 AND created_at < ?3) g
     WHERE true
     ON CONFLICT (day) DO UPDATE SET until = MAX(until, excluded.until), ${sums(LEARNING_SUMS)}`,
    range,
  );
}

/** Deletes the conversation text older than the cutoff, then the conversations left without a message. */
async function deleteOldConversations(store: Store, cutoff: number, signal?: AbortSignal): Promise<number> {
  while (!signal?.aborted && (await count(store, 'SELECT EXISTS (SELECT 1 FROM messages WHERE created_at < ?) AS n', [cutoff])) > 0) {
    store.write('DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE created_at < ? LIMIT ?)', [cutoff, BATCH_ROWS]);
    await yieldTurn();
  }
  const empty = 'FROM conversations c WHERE c.created_at < ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)';
  const n = await count(store, `SELECT COUNT(*) AS n ${empty}`, [cutoff]);
  if (n > 0) store.write(`DELETE FROM conversations WHERE id IN (SELECT c.id ${empty})`, [cutoff]);
  return n;
}

/**
 * Deletes training rows over the cap: the uninformative ones first, oldest first, then the oldest others. Each
 * batch starts where the last one ended (`after`), so the rows kept are not walked again.
 */
async function capTrainingRows(store: Store, cap: number, signal?: AbortSignal): Promise<number> {
  let over = trainingRowsOverCap(await count(store, 'SELECT COUNT(*) AS n FROM ml_router_training_data'), cap);
  let deleted = 0;
  for (const informative of [false, true]) {
    let after = Number.MIN_SAFE_INTEGER;
    while (over > 0 && !signal?.aborted) {
      const rows = await store.query<{ rowid: number; created_at: number }>(
        `SELECT rowid, created_at FROM ml_router_training_data WHERE created_at >= ? AND ${informative ? '' : 'NOT '}${INFORMATIVE_SQL}
          ORDER BY created_at LIMIT ?`,
        [after, Math.min(over, BATCH_ROWS)],
      );
      if (rows.length === 0) break;
      store.write(`DELETE FROM ml_router_training_data WHERE rowid IN (${rows.map((r) => Number(r.rowid)).join(', ')})`);
      after = Number(rows[rows.length - 1]!.created_at);
      over -= rows.length;
      deleted += rows.length;
      await yieldTurn();
    }
  }
  return deleted;
}

export interface RetentionSchedule {
  /** Read at each pass: the setting may change in between. */
  policy: () => RetentionPolicy;
  log: Logger;
  /** The first pass, once activation is over and the host idle. */
  firstAfterMs: number;
  everyMs?: number;
}

/** Runs a pass after activation, then every day; a failed pass is logged and retried the next day. */
export function scheduleRetention(store: Store, schedule: RetentionSchedule): { dispose(): void } {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    runRetention(store, schedule.policy(), Date.now(), abort.signal)
      .then((r) => {
        if (r.slicesRolledUp + r.rowsDeleted + r.trainingRowsDeleted + r.conversationsDeleted > 0) {
          schedule.log.info(`Retention: rolled up ${r.slicesRolledUp} slices of old requests, deleted about ${r.rowsDeleted} old rows, ${r.conversationsDeleted} conversations and ${r.trainingRowsDeleted} training rows`);
        }
      })
      .catch((err: Error) => schedule.log.error(`Retention pass failed: ${err.message}`))
      .finally(() => {
        if (!abort.signal.aborted) timer = setTimeout(run, schedule.everyMs ?? DAY_MS);
      });
  };
  timer = setTimeout(run, schedule.firstAfterMs);
  return {
    dispose: () => {
      abort.abort();
      clearTimeout(timer);
    },
  };
}

// The daily aggregates (migration 010) of a window, per bucket: what the dashboard adds for the days
// retention rolled up (store/retention.ts), so its figures stay those of every request ever recorded.
// A rolled-up day counts in the bucket that holds its start (exact for "all", whose buckets are whole UTC
// days; a shorter period only meets rolled-up days when retention keeps fewer days than it spans).

import type { Store } from '../store/db';
import type { Route } from '../types';
import type { PeriodWindow } from './window';
import { LEARNING_SUMS, REQUEST_SUMS } from '../store/dailyAggregates';

export type Outcome = 'ok' | 'error' | 'cancelled';

export interface RequestDays {
  bucket: number;
  route: Route | null;
  node: string | null;
  outcome: Outcome;
  requests: number;
  with_ttft: number;
  ttft_sum: number;
  prompt_tokens: number;
  completion_tokens: number;
  with_tps: number;
  tps_sum: number;
  replaced: number;
  replaced_prompt_tokens: number;
  replaced_completion_tokens: number;
  compressed: number;
  context_tokens_before: number;
  context_tokens_after: number;
}

export interface LearningDays {
  bucket: number;
  labelled: number;
  accepted: number;
  rerouted: number;
  rejected: number;
  thumbs: number;
  thumbs_up: number;
  gate_scored: number;
  gate_score_sum: number;
  escalated: number;
}


/** Whether any rolled-up day can fall in the window: they all lie before `kept`. */
const hasRolledUpDays = (w: PeriodWindow) => w.kept > w.from;

/**
 * Sums of `table` per bucket and `keys`. The groups leave SQLite as one JSON string: sql.js hands rows to JS at
 * several µs each, and a year of rolled-up days is thousands of groups.
 */
async function rolledUp<T>(store: Store, w: PeriodWindow, table: string, keys: readonly string[], sums: readonly string[]): Promise<T[]> {
  const bucket = `MIN(${w.buckets - 1}, (day - ${w.from}) / ${w.bucketMs})`;
  const columns = ['bucket', ...keys, ...sums];
  const [row] = await store.query<{ groups: string | null }>(
    `SELECT json_group_array(json_array(${columns.join(', ')})) AS groups FROM (
       SELECT ${bucket} AS bucket${keys.map((k) => `, ${k}`).join('')}, ${sums.map((s) => `TOTAL(${s}) AS ${s}`).join(', ')}
         FROM ${table} WHERE day BETWEEN ${w.from} AND ${w.to} GROUP BY ${['1', ...keys].join(', ')})`,
  );
  const groups = JSON.parse(row?.groups ?? '[]') as (string | number | null)[][];
  // A key the request did not have is stored as '' (migration 010): it reads back as none.
  return groups.map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i] === '' ? null : values[i]])) as T);
}

export interface StrategyDays {
  strategy: string | null;
  requests: number;
}

/** Rolled-up requests of the window per bucket and (route, node, outcome). */
export async function requestDays(store: Store, w: PeriodWindow): Promise<RequestDays[]> {
  if (!hasRolledUpDays(w)) return [];
  return rolledUp<RequestDays>(store, w, 'daily_requests', ['route', 'node', 'outcome'], REQUEST_SUMS);
}

/** Rolled-up requests of the window per strategy (its buckets are not charted). */
export async function strategyDays(store: Store, w: PeriodWindow): Promise<StrategyDays[]> {
  if (!hasRolledUpDays(w)) return [];
  return rolledUp<StrategyDays & { bucket: number }>(store, w, 'daily_strategies', ['strategy'], ['requests']);
}

/** Rolled-up learning counts of the window per bucket. */
export async function learningDays(store: Store, w: PeriodWindow): Promise<LearningDays[]> {
  if (!hasRolledUpDays(w)) return [];
  return rolledUp<LearningDays>(store, w, 'daily_learning', [], LEARNING_SUMS);
}

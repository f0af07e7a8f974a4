// The daily aggregates (migration 010) of a window, per bucket: what the dashboard adds for the days
// retention rolled up (store/retention.ts), so its figures stay those of every request ever recorded.
// A rolled-up day counts in the bucket that holds its start (exact for "all", whose buckets are whole UTC
// days; a shorter period only meets rolled-up days when retention keeps fewer days than it spans).

import type { Store } from '../store/db';
import type { Route } from '../types';
import { type PeriodWindow } from './window';

export type Outcome = 'ok' | 'error' | 'cancelled';

export interface RequestDays {
  bucket: number;
  route: Route | null;
  node: string | null;
  strategy: string | null;
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

const REQUEST_SUMS = [
  'requests', 'with_ttft', 'ttft_sum', 'prompt_tokens', 'completion_tokens', 'with_tps', 'tps_sum', 'replaced',
  'replaced_prompt_tokens', 'replaced_completion_tokens', 'compressed', 'context_tokens_before', 'context_tokens_after',
] as const;
const LEARNING_SUMS = ['labelled', 'accepted', 'rerouted', 'rejected', 'thumbs', 'thumbs_up', 'gate_scored', 'gate_score_sum', 'escalated'] as const;

/** Whether any rolled-up day can fall in the window: they all lie before `kept`. */
const hasRolledUpDays = (w: PeriodWindow) => w.kept > w.from;

async function rolledUp<T>(store: Store, w: PeriodWindow, table: string, keys: string, sums: readonly string[]): Promise<T[]> {
  const bucket = `MIN(${w.buckets - 1}, (day - ${w.from}) / ${w.bucketMs})`;
  return store.query<T>(
    `SELECT ${bucket} AS bucket${keys ? `, ${keys}` : ''}, ${sums.map((s) => `TOTAL(${s}) AS ${s}`).join(', ')}
       FROM ${table} WHERE day BETWEEN ${w.from} AND ${w.to} GROUP BY 1${keys ? `, ${keys}` : ''}`,
  );
}

/** Rolled-up requests of the window per bucket and (route, node, strategy, outcome). */
export async function requestDays(store: Store, w: PeriodWindow): Promise<RequestDays[]> {
  if (!hasRolledUpDays(w)) return [];
  return rolledUp<RequestDays>(store, w, 'daily_requests', 'route, node, strategy, outcome', REQUEST_SUMS);
}

/** Rolled-up learning counts of the window per bucket. */
export async function learningDays(store: Store, w: PeriodWindow): Promise<LearningDays[]> {
  if (!hasRolledUpDays(w)) return [];
  return rolledUp<LearningDays>(store, w, 'daily_learning', '', LEARNING_SUMS);
}

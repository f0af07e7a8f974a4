// The daily aggregates (migration 010): the summed columns retention adds up (retention.ts) and the dashboard
// reads back (metrics/days.ts), and how far they reach.

import type { Store } from './db';

export const REQUEST_SUMS = [
  'requests', 'with_ttft', 'ttft_sum', 'prompt_tokens', 'completion_tokens', 'with_tps', 'tps_sum', 'replaced',
  'replaced_prompt_tokens', 'replaced_completion_tokens', 'compressed', 'context_tokens_before', 'context_tokens_after',
] as const;

export const LEARNING_SUMS = ['labelled', 'accepted', 'rerouted', 'rejected', 'thumbs', 'thumbs_up', 'gate_scored', 'gate_score_sum', 'escalated'] as const;

/** The end of what retention rolled up, or 0: the dashboard reads the tables from there on. */
export async function rolledUpUntil(store: Store): Promise<number> {
  const until = (await store.query<{ until: number | null }>('SELECT MAX(until) AS until FROM daily_learning'))[0]?.until;
  return until == null ? 0 : Number(until);
}

// The summed columns of the daily aggregates (migration 010): what retention adds up (retention.ts) and the
// dashboard reads back (metrics/days.ts).

export const REQUEST_SUMS = [
  'requests', 'with_ttft', 'ttft_sum', 'prompt_tokens', 'completion_tokens', 'with_tps', 'tps_sum', 'replaced',
  'replaced_prompt_tokens', 'replaced_completion_tokens', 'compressed', 'context_tokens_before', 'context_tokens_after',
] as const;

export const LEARNING_SUMS = ['labelled', 'accepted', 'rerouted', 'rejected', 'thumbs', 'thumbs_up', 'gate_scored', 'gate_score_sum', 'escalated'] as const;

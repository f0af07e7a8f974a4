// The hand-written p_cloud that routes when no model can be loaded, and the "heuristic" arm of the A/B
// test. It reads the same feature vector as the model, so both go through the same policy.

import { FEATURE_SCHEMA } from './features';

const at = (name: string): number => {
  const i = FEATURE_SCHEMA.names.indexOf(name);
  if (i < 0) throw new Error(`No feature named ${name}.`);
  return i;
};
const F = {
  reasoning: at('task_reasoning'),
  debugging: at('task_debugging'),
  coding: at('task_coding'),
  vision: at('task_vision'),
  promptTokens: at('prompt_tokens_log'),
  contextTokens: at('context_tokens_log'),
  depth: at('conversation_depth'),
  constraints: at('constraint_words'),
  localSuccess: at('local_success_rate'),
  lanSuccess: at('lan_success_rate'),
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Harder-looking requests lean to the cloud: multi-step reasoning and debugging, long prompts and
 * contexts, many explicit constraints, long conversations; and so does a poor recent record of the
 * nodes on this task type. The weights are judgement, not fitted: that is the model's job.
 */
export function heuristicPCloud(x: Float32Array): number {
  const nodeSuccess = Math.max(x[F.localSuccess]!, x[F.lanSuccess]!);
  const score =
    -1.2 +
    0.9 * x[F.reasoning]! +
    0.5 * x[F.debugging]! +
    0.2 * x[F.coding]! +
    0.6 * x[F.vision]! +
    0.25 * Math.max(0, x[F.promptTokens]! - 4) +
    0.2 * Math.max(0, x[F.contextTokens]! - 7) +
    0.05 * Math.min(x[F.depth]!, 10) +
    0.1 * Math.min(x[F.constraints]!, 6) +
    (nodeSuccess >= 0 ? 2 * (0.8 - nodeSuccess) : 0);
  return sigmoid(score);
}

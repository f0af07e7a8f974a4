// The optional second opinion: a small model on a node grades the answer 1-10 (setting
// singularity.quality.judgeModel). It runs only after the learned gate passed an answer, on a node that
// has the model, and never holds the answer back for long: no node, an unreadable reply or JUDGE_TIMEOUT_MS
// without a verdict all mean "no opinion". Only a low grade escalates.

import type { ChatMessage } from '../types';
import { dispatch, type DispatchDeps } from '../nodes/dispatch';

export const JUDGE_TIMEOUT_MS = 20_000;
/** Grades at or below this escalate. */
export const JUDGE_FAIL_AT = 3;

const JUDGE_SYSTEM =
  'You grade answers of a coding assistant. Read the question and the answer, then reply with one whole number ' +
  'from 1 (wrong, unhelpful or off-topic) to 10 (correct, complete and helpful). Reply with the number only.';

/** The grade in a judge's reply: the first whole number from 1 to 10, or undefined. */
export function parseGrade(reply: string): number | undefined {
  const match = /\b(10|[1-9])\b/.exec(reply);
  return match ? Number(match[1]) : undefined;
}

/**
 * Asks `model` on a node to grade the answer, through the node pool like any request (breaker and failover
 * included); undefined when no node has it, it timed out or it gave no usable grade.
 */
export async function judgeWithModel(deps: DispatchDeps, model: string, question: string, answer: string, signal: AbortSignal): Promise<number | undefined> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, JUDGE_TIMEOUT_MS);
  const messages: ChatMessage[] = [
    { role: 'system', content: JUDGE_SYSTEM },
    { role: 'user', content: `Question:\n${question}\n\nAnswer:\n${answer}\n\nGrade (1-10):` },
  ];
  const prompt = { messages };
  try {
    const graded = dispatch(
      { targets: [{ kind: 'nodes', tiers: ['local', 'lan'], models: [model] }], reason: 'quality judge', prompt: async () => prompt, temperature: 0, maxTokens: 8, signal: controller.signal, startedAt: Date.now() },
      deps,
    );
    let end = await graded.next();
    while (!end.done) end = await graded.next();
    const result = end.value;
    if (result.outcome === 'ok') return parseGrade(result.text);
    if (result.outcome === 'error' && result.attempts > 0) deps.log.warn(`Quality judge (${model}) gave no grade: ${result.error}`);
    return undefined;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}

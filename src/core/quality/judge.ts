// The optional second opinion: a small model on a node grades the answer 1-10 (setting
// singularity.quality.judgeModel). It runs only after the learned gate passed an answer, on a node that
// has the model, and never holds the answer back for long: no node, an unreadable reply or JUDGE_TIMEOUT_MS
// without a verdict all mean "no opinion". Only a low grade escalates.

import type { PipelineDeps } from '../pipeline';

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

/** Asks `model` on a node to grade the answer; undefined when no node has it or it gave no usable grade. */
export async function judgeWithModel(deps: PipelineDeps, model: string, question: string, answer: string, signal: AbortSignal): Promise<number | undefined> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, JUDGE_TIMEOUT_MS);
  let lease;
  try {
    lease = await deps.pool.acquire({ tiers: ['local', 'lan'], models: [model], exclude: new Set(), expectedOutputTokens: 4, signal: controller.signal });
    if (!lease) return undefined;
    let reply = '';
    const messages = [
      { role: 'system' as const, content: JUDGE_SYSTEM },
      { role: 'user' as const, content: `Question:\n${question}\n\nAnswer:\n${answer}\n\nGrade (1-10):` },
    ];
    for await (const chunk of deps.providers.node(lease.node).stream({ model: lease.model, messages, signal: controller.signal, temperature: 0, maxTokens: 8 })) {
      if (chunk.type === 'text') reply += chunk.text;
    }
    lease.release({ ok: true });
    lease = undefined;
    return parseGrade(reply);
  } catch (err) {
    deps.log.warn(`Quality judge (${model}) gave no grade: ${(err as Error).message}`);
    return undefined;
  } finally {
    lease?.release({ ok: false });
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}

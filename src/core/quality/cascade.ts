// A request with the learning steps around the pipeline: few-shot examples go into node requests, the
// quality gate scores a node's finished answer (stopping a looping one early), and a weak answer is asked
// again of the cloud, automatically, when the cloud is allowed. The escalation is recorded as implicit
// negative feedback with its reason, so the router learns from it as from a manual "Ask the cloud".

import { randomUUID } from 'node:crypto';
import { ask, type AskEvent, type AskInput, type AskResult, type PipelineDeps } from '../pipeline';
import { isUsable } from '../providers/factory';
import type { Feedback } from '../learning/feedback';
import type { ExampleLibrary } from '../learning/examples';
import type { QualityResults } from '../store/qualityResults';
import { judgeAnswer, type GateModel, type GateVerdict } from './gate';
import { loopingTail } from './signals';
import type { QualitySettings } from './settings';
import { JUDGE_FAIL_AT, judgeWithModel } from './judge';

export interface Learning {
  settings(): QualitySettings;
  /** The gate's model; undefined when it could not be loaded (the gate is then off, and says so in the log). */
  gateModel(): GateModel | undefined;
  results?: QualityResults;
  feedback?: Feedback;
  examples?: ExampleLibrary;
}

export type CascadeEvent =
  | AskEvent
  /** The node's answer (`draft`) failed the gate; the cloud answers next as request `to`. */
  | { type: 'escalated'; from: string; to: string; verdict: GateVerdict; draft: AskResult };

export interface CascadeOptions {
  /**
   * Whether a weak answer may be replaced by the cloud's. Off where the draft cannot be taken back (a
   * stream already sent to an API client): the answer is still scored and recorded.
   */
  escalate: boolean;
}

export async function* askWithGate(input: AskInput, deps: PipelineDeps, options: CascadeOptions = { escalate: true }): AsyncGenerator<CascadeEvent> {
  const learning = deps.learning;
  // Image requests have their own quality check and cloud fallback (vision/vision.ts).
  if (!learning || input.images?.length) {
    yield* ask(input, deps);
    return;
  }
  const settings = learning.settings();
  const model = settings.gate ? learning.gateModel() : undefined;
  // Whether the gate may replace the answer as far as the request goes; whether the cloud is allowed is
  // asked only of an answer that failed, so a passing answer costs no extra read of the keys.
  const mayEscalate = options.escalate && model !== undefined && input.route === 'auto' && !input.pinned;
  const examples = settings.examples && learning.examples && !input.pinned ? learning.examples.forQuestion(input.question, settings.exampleTokens) : undefined;
  let end: AskResult | undefined;
  for await (const event of ask({ ...input, ...(examples?.ids.length ? { examples: examples.messages } : {}), ...(mayEscalate ? { stopEarly: loopingTail } : {}) }, deps)) {
    if (event.type === 'end') end = event.result;
    else yield event;
  }
  if (!end) return;
  const route = end.meta?.route;
  if (end.outcome !== 'ok' || !route) {
    yield { type: 'end', result: end };
    return;
  }
  if (route === 'cloud') {
    // A cloud answer to a rerouted node answer ("Ask the cloud") replaces it.
    const replacing = deps.routerData?.reroutedFrom(input.id);
    if (replacing) deps.requests?.replaced(replacing, input.id);
    if (end.text) learning.examples?.cloudAnswered(input.id, input.question, end.text);
    yield { type: 'end', result: end };
    return;
  }
  if (examples?.ids.length) learning.examples!.recordUse(input.id, examples.ids);
  if (!model) {
    yield { type: 'end', result: end };
    return;
  }
  const verdict = await withJudge(
    judgeAnswer(model, { question: input.question, answer: end.text, finishReason: end.stoppedEarly ? 'repetition' : end.finishReason }, settings.threshold),
    settings.judgeModel,
    () => judgeWithModel(deps, settings.judgeModel, input.question, end!.text, input.signal),
  );
  const now = deps.now ?? Date.now;
  if (verdict.pass || !mayEscalate || !(await cloudAllowed(deps))) {
    learning.results?.record(input.id, verdict, undefined, now());
    yield { type: 'end', result: withQuality(end, verdict) };
    return;
  }
  const to = randomUUID();
  const reason = verdict.reasons.join('; ');
  learning.results?.record(input.id, verdict, to, now());
  learning.feedback?.rerouted(input.id, to, true, reason);
  deps.log.info(`Request ${input.id}: local answer escalated to the cloud (${reason}; quality ${verdict.score.toFixed(2)})`);
  yield { type: 'escalated', from: input.id, to, verdict, draft: withQuality(end, verdict, to) };
  for await (const event of ask({ ...input, id: to, route: 'cloud' }, deps)) {
    if (event.type === 'end' && event.result.outcome === 'ok') {
      deps.requests?.replaced(input.id, to);
      if (event.result.text) learning.examples?.cloudAnswered(to, input.question, event.result.text);
    }
    yield event.type === 'end' && event.result.meta ? { type: 'end', result: { ...event.result, meta: { ...event.result.meta, escalatedFrom: { requestId: input.id, reason } } } } : event;
  }
}

/** The answer with the gate's verdict in its meta line (and, for a draft, the request that replaced it). */
function withQuality(result: AskResult, verdict: GateVerdict, escalatedTo?: string): AskResult {
  if (!result.meta) return result;
  return { ...result, meta: { ...result.meta, quality: { score: verdict.score, reasons: verdict.reasons, ...(escalatedTo ? { escalatedTo } : {}) } } };
}

/** A passed verdict gets the judge model's second opinion, when one is set; a low grade fails it. */
async function withJudge(verdict: GateVerdict, judgeModel: string, grade: () => Promise<number | undefined>): Promise<GateVerdict> {
  if (!verdict.pass || !judgeModel) return verdict;
  const judgeGrade = await grade();
  if (judgeGrade === undefined) return verdict;
  return judgeGrade <= JUDGE_FAIL_AT ? { ...verdict, judgeGrade, pass: false, reasons: [`the judge model rated it ${judgeGrade}/10`] } : { ...verdict, judgeGrade };
}

/** The cloud may answer: not a local-only workspace, and a provider with a key. */
async function cloudAllowed(deps: PipelineDeps): Promise<boolean> {
  if (deps.privacy().localOnly) return false;
  return (await deps.cloudCredentials()).some(isUsable);
}

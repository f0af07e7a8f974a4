// The quality stage of a request: what the learning side adds before a node answers (few-shot examples, a
// check that stops a looping answer early) and the verdict on its finished answer (the learned gate, then the
// judge model's second opinion). Whether a failed answer is escalated, and how, is the pipeline's order.

import type { AskInput, AskResult } from '../request';
import type { ChatMessage, TokenConfidence } from '../types';
import type { Feedback } from '../learning/feedback';
import { exampleWorkspace, type ExampleLibrary } from '../learning/examples';
import type { QualityResults } from '../store/qualityResults';
import { judgeAnswer, type GateModel, type GateVerdict } from './gate';
import { loopingTail } from './signals';
import type { QualitySettings } from './settings';
import { JUDGE_FAIL_AT } from './judge';


export interface Learning {
  settings(): QualitySettings;
  /** The gate's model; undefined when it could not be loaded (the gate is then off, and says so in the log). */
  gateModel(): GateModel | undefined;
  results?: QualityResults;
  /** The gate's threshold calibrated on the user's own outcomes (quality/calibrate.ts), from the configured one. */
  gateThreshold?(configured: number): Promise<number>;
  feedback?: Feedback;
  examples?: ExampleLibrary;
}

export interface GatePlan {
  settings: QualitySettings;
  /** The score under which an answer fails: the setting, calibrated on the user's own outcomes (calibrate.ts). */
  threshold: number;
  model?: GateModel;
  /** Whether a weak answer may be replaced by the cloud's, as far as the request goes. */
  mayEscalate: boolean;
  examples?: { ids: string[]; messages: ChatMessage[] };
  /** Stops a node's answer that loops, when it would be escalated anyway. */
  stopEarly?: (text: string) => boolean;
}

/**
 * What the gate does for this request. `escalate` is off where the draft cannot be taken back (a stream
 * already sent to an API client): the answer is still scored and recorded.
 */
export async function gatePlan(learning: Learning, input: AskInput, escalate: boolean): Promise<GatePlan> {
  const settings = learning.settings();
  const model = settings.gate ? learning.gateModel() : undefined;
  const mayEscalate = escalate && model !== undefined && input.route === 'auto' && !input.pinned;
  const examples = settings.examples && learning.examples && !input.pinned ? await learning.examples.forQuestion(input.question, exampleWorkspace(input), settings.exampleTokens) : undefined;
  return {
    settings,
    threshold: model && learning.gateThreshold ? await learning.gateThreshold(settings.threshold) : settings.threshold,
    mayEscalate,
    ...(model ? { model } : {}),
    ...(examples?.ids.length ? { examples } : {}),
    ...(mayEscalate ? { stopEarly: loopingTail } : {}),
  };
}

/**
 * A sample request's gate plan (the gate model loaded, its calibrated threshold and the few-shot examples read)
 * and the gate's verdict on a sample answer, whose patterns compile on first use: what the first request of a
 * session would wait for (warmUp.ts). Nothing is recorded.
 */
export async function warmGate(learning: Learning, input: AskInput): Promise<void> {
  const plan = await gatePlan(learning, input, true);
  if (plan.model) judgeAnswer(plan.model, { question: input.question, answer: 'Slice it with a step of -1:\n\n```python\nreversed_items = items[::-1]\n```\n' }, plan.threshold);
}

/** The gate's verdict on a node's answer; a passed one gets the judge model's second opinion, when one is set. */
export async function verdictOn(
  plan: GatePlan & { model: GateModel },
  question: string,
  answer: AskResult,
  grade: (judgeModel: string) => Promise<number | undefined>,
): Promise<GateVerdict> {
  const verdict = withConfidence(
    judgeAnswer(plan.model, { question, answer: answer.text, finishReason: answer.stoppedEarly ? 'repetition' : answer.finishReason }, plan.threshold),
    answer.meta?.confidence,
  );
  const { judgeModel } = plan.settings;
  if (!verdict.pass || !judgeModel) return verdict;
  const judgeGrade = await grade(judgeModel);
  if (judgeGrade === undefined) return verdict;
  return judgeGrade <= JUDGE_FAIL_AT ? { ...verdict, judgeGrade, pass: false, reasons: [`the judge model rated it ${judgeGrade}/10`] } : { ...verdict, judgeGrade };
}

/**
 * Mean token log-probability below which a node's answer fails: the model gave its own tokens about 22%
 * on average. Published: a 7-8B model's mean token log-prob separates good from bad answers out of
 * distribution at AUROC 0.72-0.83 (arXiv 2605.02241); the cut itself is judgement (docs/ADAPTIVE_LEARNING.md).
 */
export const UNSURE_MEAN_LOGPROB = -1.5;

/** The verdict with the node's token confidence, when it returned one: an unsure answer fails whatever else it scored. */
export function withConfidence(verdict: GateVerdict, confidence: TokenConfidence | undefined): GateVerdict {
  if (!confidence) return verdict;
  if (confidence.meanLogprob >= UNSURE_MEAN_LOGPROB) return { ...verdict, confidence };
  const reason = `the model was unsure of its answer (mean token log-prob ${confidence.meanLogprob.toFixed(2)})`;
  return { ...verdict, confidence, pass: false, reasons: [reason, ...verdict.reasons.filter((r) => !r.startsWith('answer looked weaker'))] };
}

/** The answer with the gate's verdict in its meta line (and, for a draft, the request that replaced it). */
export function withQuality(result: AskResult, verdict: GateVerdict, escalatedTo?: string): AskResult {
  if (!result.meta) return result;
  return { ...result, meta: { ...result.meta, quality: { score: verdict.score, reasons: verdict.reasons, ...(escalatedTo ? { escalatedTo } : {}) } } };
}

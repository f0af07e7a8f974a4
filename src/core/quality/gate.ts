// The quality gate: is a node's finished answer good enough to be the final word? A small boosted-tree
// model learned from judged answers (models/gate.json, built by `singularity train-gate`) gives p_cloud,
// the chance the cloud's answer would have been better; a few signals escalate on their own because
// they are certain (an empty answer, one cut off, looping, or in another language).
//
// The score shown and compared with the threshold is a quality percentile: the share of the judged
// training answers the gate rated worse. A threshold of 0.2 thus escalates about the weakest fifth of
// answers like those it learned from, whatever the base rate of the data (p_cloud alone is not comparable
// across datasets: 82% of the shared arena answers were beaten by the cloud).

import { readFileSync } from 'node:fs';
import { predictProbability, trainGbdt, type GbdtOptions, type TreeEnsemble } from '../router/model/gbdt';
import { gateRow, GATE_FEATURES, GATE_SCHEMA_VERSION } from './features';
import { SIGNAL_NAMES, SIGNAL_REASONS, type AnswerInput, type SignalName, type Signals } from './signals';
import type { TokenConfidence } from '../types';

export interface GateModel {
  kind: 'singularity.gate';
  schemaVersion: number;
  features: string[];
  ensemble: TreeEnsemble;
  /** p_cloud of the training answers, ascending, at 101 evenly spaced ranks: turns p_cloud into a percentile. */
  quantiles: number[];
  trainedOn: string[];
  rows: number;
  createdAt: string;
}

export interface GateVerdict {
  /** Quality percentile in [0, 1]: higher is better. */
  score: number;
  pCloud: number;
  pass: boolean;
  /** Why it failed (or what looked weak), in the words the panel shows. */
  reasons: string[];
  /** Signals that escalate on their own, present in full. */
  certain: SignalName[];
  signals: Signals;
  /** The judge model's grade (1-10), when one was asked. */
  judgeGrade?: number;
  /** The node's token confidence, when it returned log-probabilities. */
  confidence?: TokenConfidence;
}

/** Signals that escalate on their own at full strength: in the judged data nearly all such answers lost. */
const HARD: readonly SignalName[] = ['empty', 'truncated', 'repetition', 'wrongLanguage'];
/** Below this a soft signal is not named as a reason. */
const NAMED_AT = 0.5;
/** Signals too common at low strength to name unless strong. */
const NAMED_ONLY_WHEN_STRONG: ReadonlySet<SignalName> = new Set(['offTopic', 'repetition']);

export const DEFAULT_GATE_GBDT: Partial<GbdtOptions> = { trees: 200, maxDepth: 2, learningRate: 0.03, minChildWeight: 10, subsample: 0.8, colsample: 0.8 };

export class GateModelError extends Error {}

export function parseGateModel(text: string, source: string): GateModel {
  let raw: Partial<GateModel>;
  try {
    raw = JSON.parse(text) as Partial<GateModel>;
  } catch {
    throw new GateModelError(`${source} is not a gate model (not JSON). Rebuild it with "singularity train-gate".`);
  }
  if (raw.kind !== 'singularity.gate' || !raw.ensemble || !Array.isArray(raw.quantiles) || raw.quantiles.length < 2) {
    throw new GateModelError(`${source} is not a gate model. Rebuild it with "singularity train-gate".`);
  }
  if (raw.schemaVersion !== GATE_SCHEMA_VERSION || raw.features?.join() !== GATE_FEATURES.join()) {
    throw new GateModelError(`${source} was built for other gate features (schema ${raw.schemaVersion}). Rebuild it with "singularity train-gate".`);
  }
  return raw as GateModel;
}

export function loadGateModel(path: string): GateModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GateModelError(`Cannot read the gate model ${path}: ${(err as Error).message}`);
  }
  return parseGateModel(text, path);
}

/** Share of the quantiles below p: 1 = better than every training answer. */
function percentile(quantiles: readonly number[], p: number): number {
  let below = 0;
  while (below < quantiles.length && quantiles[below]! < p) below++;
  return 1 - below / quantiles.length;
}

/** Scores one finished answer. Pure: the same answer always gets the same verdict. */
export function judgeAnswer(model: GateModel, input: AnswerInput, threshold: number): GateVerdict {
  const { signals, features } = gateRow(input);
  const pCloud = predictProbability(model.ensemble, features);
  const hard = HARD.filter((name) => signals[name] >= 1);
  const score = hard.length > 0 ? 0 : percentile(model.quantiles, pCloud);
  const named = SIGNAL_NAMES.filter((name) => !hard.includes(name) && signals[name] >= (NAMED_ONLY_WHEN_STRONG.has(name) ? 0.8 : NAMED_AT));
  const reasons = [...hard, ...named].map((name) => SIGNAL_REASONS[name]);
  const pass = score >= threshold;
  if (!pass && reasons.length === 0) reasons.push(`answer looked weaker than ${Math.round((1 - score) * 100)}% of judged answers`);
  return { score, pCloud, pass, reasons, certain: hard, signals };
}

/** The verdict as one number for ranking (what `singularity gate-score` writes): 1 when a certain signal fired. */
export function verdictPCloud(verdict: GateVerdict): number {
  return verdict.certain.length > 0 ? 1 : verdict.pCloud;
}

export interface GateTrainingRow {
  input: AnswerInput;
  /** 1 = the cloud's answer was better. */
  label: number;
}

export async function trainGateModel(rows: readonly GateTrainingRow[], trainedOn: string[], options: Partial<GbdtOptions> = {}): Promise<GateModel> {
  if (rows.length < 20) throw new Error(`Too few answers to train the gate (${rows.length}; at least 20).`);
  const features = rows.map((r) => gateRow(r.input).features);
  const ensemble = await trainGbdt({ rows: features, labels: rows.map((r) => r.label) }, { ...DEFAULT_GATE_GBDT, ...options });
  const p = features.map((f) => predictProbability(ensemble, f)).sort((a, b) => a - b);
  const quantiles = Array.from({ length: 101 }, (_, i) => p[Math.min(p.length - 1, Math.round((i / 100) * (p.length - 1)))]!);
  return {
    kind: 'singularity.gate',
    schemaVersion: GATE_SCHEMA_VERSION,
    features: [...GATE_FEATURES],
    ensemble,
    quantiles,
    trainedOn,
    rows: rows.length,
    createdAt: new Date().toISOString(),
  };
}

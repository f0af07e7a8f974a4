// Retraining from a user's own outcomes. Two candidates: new trees fitted on top of the base (shipped)
// model, which helps while the user's rows are few, and a model of the user's rows alone, which wins once
// they are many (bench/router.ts: adding trees to the base stopped improving with more rows). Both start
// from the base, never from the last retrained model, so the size stays bounded however often it retrains.
// The better candidate on held-out rows replaces the active model only if it ranks them better than it.

import { auc, classificationReport } from '../eval/routingMetrics';
import { predictProbability, type GbdtOptions, type TreeEnsemble } from './gbdt';
import { buildRouterModel, calibrate, splitRows, type BuiltModel, type LabeledRow } from './build';

export interface RetrainOptions {
  /** Fewer labelled rows than this and retraining is refused (a dozen rows validate nothing). */
  minRows: number;
  validationShare: number;
  /** AUC the candidate must gain on held-out rows to replace the active model. */
  minGain: number;
  /** Trees added on top of the base model. */
  gbdt: Partial<GbdtOptions>;
  /** The model of the user's rows alone. */
  scratch: Partial<GbdtOptions>;
  seed: number;
}

export const DEFAULT_RETRAIN: RetrainOptions = {
  minRows: 40,
  validationShare: 0.25,
  minGain: 0.005,
  gbdt: { trees: 40, learningRate: 0.1, minChildWeight: 1, colsample: 0.7 },
  scratch: { trees: 80, learningRate: 0.08, minChildWeight: 1, colsample: 0.7 },
  seed: 7,
};

export type RetrainResult =
  | { kind: 'tooFewRows'; rows: number; needed: number }
  | { kind: 'notBetter'; rows: number; candidateAuc: number; activeAuc: number }
  | { kind: 'replaced'; rows: number; candidateAuc: number; activeAuc: number; model: BuiltModel };

/**
 * @param base the shipped model's trees (undefined: train from scratch)
 * @param active p_cloud of the model routing now, for the comparison on held-out rows
 */
export async function retrainRouter(
  rows: readonly LabeledRow[],
  base: TreeEnsemble | undefined,
  active: (features: readonly Float32Array[]) => Promise<number[]>,
  options: Partial<RetrainOptions> = {},
): Promise<RetrainResult> {
  const o = { ...DEFAULT_RETRAIN, ...options };
  if (rows.length < o.minRows) return { kind: 'tooFewRows', rows: rows.length, needed: o.minRows };
  const { test } = splitRows(rows, o.validationShare, o.seed);
  const labels = test.map((r) => r.label);
  const build = (trainedOn: string, gbdt: Partial<GbdtOptions>, prior?: TreeEnsemble) =>
    buildRouterModel(rows, { trainedOn, validationShare: o.validationShare, seed: o.seed, gbdt, prior });
  const scratch = await build(`${rows.length} of your rows`, o.scratch);
  const candidates = [
    ...(base ? [await build(`shipped model + ${rows.length} of your rows`, o.gbdt, base), blended(base, scratch, rows.length, test)] : []),
    scratch,
  ].map((model) => ({ model, auc: auc(test.map((r) => predictProbability(model.ensemble, r.features)), labels) }));
  const { model, auc: candidateAuc } = candidates.reduce((best, c) => (c.auc > best.auc ? c : best));
  const activeAuc = auc(await active(test.map((r) => r.features)), labels);
  if (candidateAuc < activeAuc + o.minGain) return { kind: 'notBetter', rows: rows.length, candidateAuc, activeAuc };
  // Calibrate on all of the user's rows: the threshold for a target share should follow their own requests.
  model.info.calibration = calibrate(rows.map((r) => predictProbability(model.ensemble, r.features)));
  return { kind: 'replaced', rows: rows.length, candidateAuc, activeAuc, model };
}

/** Two models averaged in log-odds, as one ensemble: both models' trees with halved leaf values. */
export function averageEnsembles(a: TreeEnsemble, b: TreeEnsemble): TreeEnsemble {
  const half = (t: TreeEnsemble['trees'][number]) => ({ ...t, value: t.value.map((v) => v / 2) });
  return { featureCount: a.featureCount, baseScore: (a.baseScore + b.baseScore) / 2, trees: [...a.trees, ...b.trees].map(half) };
}

/**
 * The third candidate: the base model and the model of the user's rows, averaged. It keeps what the base
 * knows about requests the user's rows rarely show (those sent to the cloud, which carry no label). On the
 * replayed streams of bench/replay.ts it was installed in 8 of 24 replacements (docs/ML_ROUTER_IMPLEMENTATION.md).
 */
function blended(base: TreeEnsemble, own: BuiltModel, rows: number, test: readonly LabeledRow[]): BuiltModel {
  const ensemble = averageEnsembles(base, own.ensemble);
  const validation = { ...classificationReport(test.map((r) => predictProbability(ensemble, r.features)), test.map((r) => r.label)), rows: test.length };
  return { ensemble, validation, info: { ...own.info, trainedOn: `shipped model blended with a model of ${rows} of your rows`, metrics: validation } };
}

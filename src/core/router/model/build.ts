// Builds a router model from labelled rows: split, train, validate on the held-out part, calibrate.
// The same function serves `singularity train`, the shipped model and the extension's retraining.

import { FEATURE_COUNT, FEATURE_SCHEMA } from '../features';
import { classificationReport, routingReport, pgrCurve, type ClassificationReport } from '../eval/routingMetrics';
import { predictProbability, trainGbdt, type GbdtOptions, type TreeEnsemble } from './gbdt';
import type { ModelInfo } from '../../../shared/router';
import { seededRandom } from '../../random';
import type { TrainingRow } from '../../store/routerData';

/** A stored row (the user's own) or a benchmark row, as training takes it. */
export interface LabeledRow extends TrainingRow {
  weight?: number;
  /** Both outcomes, when known (benchmark rows): enables the routing measures. */
  localScore?: number;
  cloudScore?: number;
}

export interface BuildOptions {
  trainedOn: string;
  validationShare?: number;
  seed?: number;
  gbdt?: Partial<GbdtOptions>;
  /** Continue from this model's trees instead of starting from scratch. */
  prior?: TreeEnsemble;
}

export interface BuiltModel {
  ensemble: TreeEnsemble;
  info: ModelInfo;
  validation: ClassificationReport & { apgr?: number; rows: number };
}

/** Cloud shares the calibration table covers. */
const SHARES = Array.from({ length: 21 }, (_, i) => i / 20);

/** Deterministic split: the same rows and seed give the same held-out rows. */
export function splitRows<T>(rows: readonly T[], validationShare: number, seed: number): { train: T[]; test: T[] } {
  const random = seededRandom(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const row of rows) (random() < validationShare ? test : train).push(row);
  return { train, test };
}

/** Threshold on p_cloud that sends `share` of these predictions to the cloud. */
export function thresholdForShare(sortedDescending: readonly number[], share: number): number {
  if (sortedDescending.length === 0) return 0.5;
  // Above any probability: nothing goes to the cloud.
  if (share <= 0) return 1 + 1e-6;
  const k = Math.min(sortedDescending.length, Math.ceil(share * sortedDescending.length));
  return sortedDescending[k - 1]!;
}

export function calibrate(probabilities: readonly number[], scored?: { localScore: number; cloudScore: number }[]): NonNullable<ModelInfo['calibration']> {
  const sorted = [...probabilities].sort((a, b) => b - a);
  const thresholds = SHARES.map((s) => thresholdForShare(sorted, s));
  if (!scored) return { shares: SHARES, thresholds };
  const curve = pgrCurve(scored.map((s, i) => ({ ...s, pCloud: probabilities[i]! })));
  const pgr = SHARES.map((s) => curve.pgr[Math.round(s * (curve.shares.length - 1))]!);
  return { shares: SHARES, thresholds, pgr };
}

export async function buildRouterModel(rows: readonly LabeledRow[], options: BuildOptions): Promise<BuiltModel> {
  const { train, test } = splitRows(rows, options.validationShare ?? 0.2, options.seed ?? 1);
  if (train.length === 0 || test.length === 0) throw new Error(`Too few rows to train and validate (${rows.length}).`);
  const ensemble = await trainGbdt(
    { rows: train.map((r) => r.features), labels: train.map((r) => r.label), weights: train.map((r) => r.weight ?? 1) },
    { seed: options.seed ?? 1, ...options.gbdt },
    options.prior,
  );
  const p = test.map((r) => predictProbability(ensemble, r.features));
  const classification = classificationReport(p, test.map((r) => r.label));
  const scored = test.every((r) => r.localScore !== undefined && r.cloudScore !== undefined)
    ? test.map((r) => ({ localScore: r.localScore!, cloudScore: r.cloudScore! }))
    : undefined;
  const apgr = scored ? routingReport(scored.map((s, i) => ({ ...s, pCloud: p[i]! }))).apgr : undefined;
  const validation = { ...classification, rows: test.length, ...(apgr === undefined ? {} : { apgr }) };
  const info: ModelInfo = {
    schemaVersion: FEATURE_SCHEMA.version,
    featureCount: FEATURE_COUNT,
    createdAt: new Date().toISOString(),
    trainedOn: options.trainedOn,
    rows: train.length,
    metrics: validation,
    calibration: calibrate(p, scored),
  };
  return { ensemble, info, validation };
}

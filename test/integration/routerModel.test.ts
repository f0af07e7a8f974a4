import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { margin, predictProbability, trainGbdt } from '../../src/core/router/model/gbdt';
import { fromOnnx, readInfo, toOnnx } from '../../src/core/router/model/onnx';
import type { ModelInfo } from '../../src/shared/router';
import { loadRouterModel, ModelLoadError } from '../../src/core/router/model/runtime';
import { buildRouterModel } from '../../src/core/router/model/build';
import { averageEnsembles, retrainRouter } from '../../src/core/router/model/retrain';
import { FEATURE_COUNT, FEATURE_SCHEMA } from '../../src/core/router/features';
import { seededRandom } from '../../src/core/random';

/** A dataset whose right answer is known: the cloud is needed exactly when columns 3 and 7 add up above 1. */
function knownRule(n: number, seed: number) {
  const random = seededRandom(seed);
  const rows = Array.from({ length: n }, () => Float32Array.from({ length: FEATURE_COUNT }, () => random()));
  return { rows, labels: rows.map((x) => (x[3]! + x[7]! > 1 ? 1 : 0)) };
}

const info = (over: Partial<ModelInfo> = {}): ModelInfo => ({ schemaVersion: FEATURE_SCHEMA.version, featureCount: FEATURE_COUNT, createdAt: 'test', trainedOn: 'known rule', rows: 0, ...over });

describe('router model', () => {
  it('learns a rule it was not told: over 90% accuracy on fresh rows', async () => {
    const train = knownRule(2000, 1);
    const test = knownRule(500, 2);
    const model = await trainGbdt(train, { trees: 60 });
    const correct = test.rows.filter((x, i) => (predictProbability(model, x) >= 0.5 ? 1 : 0) === test.labels[i]).length;
    expect(correct / test.rows.length).toBeGreaterThan(0.9);
  });

  it('gives ONNX Runtime the same probabilities as the trainer (export + load round trip)', async () => {
    const data = knownRule(800, 3);
    const model = await trainGbdt(data, { trees: 30 });
    const loaded = await loadRouterModel(toOnnx(model, info()), 'round trip');
    try {
      const rows = data.rows.slice(0, 100);
      const fromOrt = await loaded.predict(rows);
      rows.forEach((x, i) => expect(fromOrt[i]).toBeCloseTo(predictProbability(model, x), 5));
      expect(loaded.info.trainedOn).toBe('known rule');
    } finally {
      await loaded.release();
    }
  });

  it('reads its own ONNX back into the same trees', async () => {
    const data = knownRule(300, 4);
    const model = await trainGbdt(data, { trees: 10 });
    const back = fromOnnx(toOnnx(model, info()))!;
    expect(back.trees).toHaveLength(10);
    data.rows.slice(0, 50).forEach((x) => expect(predictProbability(back, x)).toBeCloseTo(predictProbability(model, x), 6));
  });

  it('refuses a corrupt file with a ModelLoadError that names it', async () => {
    const bytes = readFileSync('models/router.onnx');
    const corrupt = bytes.subarray(0, Math.floor(bytes.length / 2));
    await expect(loadRouterModel(corrupt, 'half.onnx')).rejects.toThrow(ModelLoadError);
    await expect(loadRouterModel(new TextEncoder().encode('not a model at all'), 'text.onnx')).rejects.toThrow(/text\.onnx/);
  });

  it('refuses a model built for another feature schema and says to retrain', async () => {
    const model = await trainGbdt(knownRule(200, 5), { trees: 3 });
    await expect(loadRouterModel(toOnnx(model, info({ schemaVersion: 99 })), 'old.onnx')).rejects.toThrow(/schema 99.*Retrain/);
  });

  it('ships a model with its schema, training report and calibration', () => {
    const shipped = readInfo(readFileSync('models/router.onnx'))!;
    expect(shipped.schemaVersion).toBe(FEATURE_SCHEMA.version);
    expect(shipped.featureCount).toBe(FEATURE_COUNT);
    expect(shipped.calibration?.thresholds).toHaveLength(shipped.calibration?.shares.length ?? -1);
    expect(JSON.parse(readFileSync('models/router.report.json', 'utf8')).metrics.apgr).toBeGreaterThan(0.5);
  });

  it('reports held-out figures and a calibration when building', async () => {
    const data = knownRule(600, 6);
    const built = await buildRouterModel(data.rows.map((features, i) => ({ features, label: data.labels[i]! })), { trainedOn: 'test', gbdt: { trees: 30 } });
    expect(built.validation.rows).toBeGreaterThan(50);
    expect(built.validation.auc).toBeGreaterThan(0.9);
    expect(built.info.calibration?.shares[0]).toBe(0);
  });

  it('retrains only when the candidate ranks held-out rows better than the active model', async () => {
    const data = knownRule(400, 7);
    const rows = data.rows.map((features, i) => ({ features, label: data.labels[i]! }));
    const perfect = async (xs: readonly Float32Array[]) => xs.map((x) => x[3]! + x[7]! - 1);
    const useless = async (xs: readonly Float32Array[]) => xs.map(() => 0.5);
    expect((await retrainRouter(rows, undefined, perfect)).kind).toBe('notBetter');
    const replaced = await retrainRouter(rows, undefined, useless);
    expect(replaced.kind).toBe('replaced');
    expect((await retrainRouter(rows.slice(0, 10), undefined, useless)).kind).toBe('tooFewRows');
  });

  it('continues the base model when that validates best: its trees are kept and new ones added', async () => {
    const base = await trainGbdt(knownRule(1000, 8), { trees: 30 });
    const data = knownRule(200, 9);
    const rows = data.rows.map((features, i) => ({ features, label: data.labels[i]! }));
    const result = await retrainRouter(rows, base, async (xs) => xs.map(() => 0.5), { gbdt: { trees: 7 }, scratch: { trees: 2, maxDepth: 1 } });
    expect(result.kind).toBe('replaced');
    if (result.kind === 'replaced') expect(result.model.ensemble.trees).toHaveLength(37);
  });

  it("trains on the user's rows alone when the base model has learned the opposite of what they show", async () => {
    const misleading = knownRule(1000, 10);
    const base = await trainGbdt({ rows: misleading.rows, labels: misleading.labels.map((y) => 1 - y) }, { trees: 30 });
    const data = knownRule(300, 11);
    const rows = data.rows.map((features, i) => ({ features, label: data.labels[i]! }));
    const result = await retrainRouter(rows, base, async (xs) => xs.map(() => 0.5), { gbdt: { trees: 5 }, scratch: { trees: 40 } });
    expect(result.kind).toBe('replaced');
    if (result.kind === 'replaced') {
      expect(result.model.ensemble.trees).toHaveLength(40);
      expect(result.model.info.trainedOn).toBe('300 of your rows');
    }
  });

  it('averages two models in log-odds as one ensemble (the blended retraining candidate)', async () => {
    const a = await trainGbdt(knownRule(300, 12), { trees: 6 });
    const b = await trainGbdt(knownRule(300, 13), { trees: 9 });
    const both = averageEnsembles(a, b);
    expect(both.trees).toHaveLength(15);
    for (const x of knownRule(20, 14).rows) expect(margin(both, x)).toBeCloseTo((margin(a, x) + margin(b, x)) / 2, 9);
  });
});

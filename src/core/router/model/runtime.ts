// Runs a router model with onnxruntime-node, in-process. The native module is imported on first use,
// not at activation: session creation costs 5-19 ms and most windows route before they ever need it.

import type { InferenceSession } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_SCHEMA } from '../features';
import type { ModelInfo } from '../../../shared/router';
import { INPUT_NAME, readInfo } from './onnx';

export interface RouterModel {
  info: ModelInfo;
  /** p_cloud for each row: the probability that only the cloud gives an acceptable answer. */
  predict(rows: readonly Float32Array[]): Promise<number[]>;
  release(): Promise<void>;
}

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/**
 * Loads and checks a model: it must be ONNX, follow FEATURE_SCHEMA (our metadata, or at least an input
 * of FEATURE_COUNT floats) and output class probabilities. Any problem is a ModelLoadError that says which.
 */
export async function loadRouterModel(bytes: Uint8Array, source: string): Promise<RouterModel> {
  let info: ModelInfo | undefined;
  try {
    info = readInfo(bytes);
  } catch (err) {
    throw new ModelLoadError(`${source} is not a valid ONNX file (${(err as Error).message}).`);
  }
  if (info && info.schemaVersion !== FEATURE_SCHEMA.version) {
    throw new ModelLoadError(`${source} was built for feature schema ${info.schemaVersion}; this version of Singularity uses schema ${FEATURE_SCHEMA.version}. Retrain it ("Singularity: Retrain Router").`);
  }
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new ModelLoadError(`onnxruntime-node could not be loaded on this platform (${(err as Error).message}).`);
  }
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new ModelLoadError(`${source} could not be loaded by ONNX Runtime (${(err as Error).message.split('\n')[0]}).`);
  }
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes('probabilities')) {
    await session.release();
    throw new ModelLoadError(`${source} must take an input "${INPUT_NAME}" and give an output "probabilities"; it has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}.`);
  }
  const checked: ModelInfo = info ?? {
    schemaVersion: FEATURE_SCHEMA.version,
    featureCount: FEATURE_COUNT,
    createdAt: 'unknown',
    trainedOn: `${source} (no Singularity metadata)`,
    rows: 0,
  };
  if (checked.featureCount !== FEATURE_COUNT) {
    await session.release();
    throw new ModelLoadError(`${source} expects ${checked.featureCount} features; the schema has ${FEATURE_COUNT}.`);
  }
  return {
    info: checked,
    async predict(rows) {
      if (rows.length === 0) return [];
      const data = new Float32Array(rows.length * FEATURE_COUNT);
      rows.forEach((r, i) => data.set(r, i * FEATURE_COUNT));
      let out;
      try {
        out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', data, [rows.length, FEATURE_COUNT]) });
      } catch (err) {
        throw new ModelLoadError(`${source} failed to run (${(err as Error).message.split('\n')[0]}).`);
      }
      const probabilities = out.probabilities!.data as Float32Array;
      return rows.map((_, i) => probabilities[i * 2 + 1]!);
    },
    release: () => session.release(),
  };
}

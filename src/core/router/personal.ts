// The personal model: a logistic regression on the meaning of the user's own questions (sentence
// embeddings), trained only on labels the user revealed (store/routerData.ts labelOf: a node answer accepted or not; cloud
// answers say nothing about the nodes). Measured by the team on a held-out stream of 805 judged instructions:
// APGR 0.547 on requests 401-805 against 0.52 for hashed word bigrams and 0.50 for no text
// (../shared/docs/platform-notes.md). Small and pure: trained from scratch in milliseconds when labels change.

import { auc } from './eval/routingMetrics';

export interface LabelledVector {
  vector: Float32Array;
  /** 1 = the cloud was needed. */
  label: 0 | 1;
}

export interface PersonalModel {
  /** Encoder model and dimension the vectors came from: vectors of another encoder do not fit. */
  encoder: string;
  dims: number;
  weights: Float32Array;
  bias: number;
  /** Labelled questions it was trained on: how much it counts against the prior. */
  rows: number;
  /** AUC on the newest fifth of the rows, held out of a first training: how far its ranking can be trusted. */
  heldOutAuc: number;
}

const EPOCHS = 25;
const LEARNING_RATE = 0.5;
const L2 = 1e-3;

/**
 * Trains on `rows` (vectors of one encoder, newest first): first without the newest fifth to measure how well it
 * ranks those, then on all of them. Undefined when there is nothing to learn from yet (one class only).
 */
export function trainPersonal(encoder: string, rows: readonly LabelledVector[]): PersonalModel | undefined {
  const heldOut = rows.slice(0, Math.floor(rows.length / 5));
  const first = fit(encoder, rows.slice(heldOut.length));
  const all = fit(encoder, rows);
  if (!all) return undefined;
  const scored = first ? heldOut.flatMap((r) => { const p = personalPCloud(first, encoder, r.vector); return p === undefined ? [] : [{ p, label: r.label }]; }) : [];
  return { ...all, heldOutAuc: scored.length >= 10 ? auc(scored.map((s) => s.p), scored.map((s) => s.label)) : 0.5 };
}

function fit(encoder: string, rows: readonly LabelledVector[]): Omit<PersonalModel, 'heldOutAuc'> | undefined {
  const dims = rows[0]?.vector.length ?? 0;
  const usable = rows.filter((r) => r.vector.length === dims && r.vector.every(Number.isFinite));
  const positives = usable.filter((r) => r.label === 1).length;
  if (dims === 0 || positives === 0 || positives === usable.length) return undefined;
  const weights = new Float32Array(dims);
  // The bias starts at the base rate, so a model of few rows leans on it rather than on noise.
  let bias = Math.log(positives / (usable.length - positives));
  // Classes weighted to balance: the cloud-needed rows are usually the few, and they matter most.
  const weightOf = [usable.length / (2 * (usable.length - positives)), usable.length / (2 * positives)];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const rate = LEARNING_RATE / (1 + epoch);
    for (const { vector, label } of usable) {
      const g = (sigmoid(dot(weights, vector) + bias) - label) * weightOf[label]!;
      for (let i = 0; i < dims; i++) weights[i]! -= rate * (g * vector[i]! + L2 * weights[i]!);
      bias -= rate * g;
    }
  }
  return { encoder, dims, weights, bias, rows: usable.length };
}

/** p_cloud for a question's vector; undefined when it is of another encoder or dimension. */
export function personalPCloud(model: Omit<PersonalModel, 'heldOutAuc'>, encoder: string, vector: Float32Array): number | undefined {
  if (encoder !== model.encoder || vector.length !== model.dims) return undefined;
  const p = sigmoid(dot(model.weights, vector) + model.bias);
  return Number.isFinite(p) ? p : undefined;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

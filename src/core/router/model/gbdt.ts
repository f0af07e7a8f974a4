// Gradient-boosted decision trees for a binary label (logistic loss), written here because no
// maintained npm library trains GBDTs in-process for Node 20 (LightGBM/XGBoost have no JS trainer).
// Histogram splits over quantile bins, as LightGBM does, keep training of a few thousand rows well
// under a second, so the extension can retrain in the background.

import { seededRandom } from '../../random';

/** One tree as flat arrays: node i splits on feature[i] at `x <= threshold[i]` -> left[i], else right[i]; leaves have feature -1. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf output (a margin, added across trees); 0 on split nodes. */
  value: number[];
}

export interface TreeEnsemble {
  featureCount: number;
  /** Margin before any tree (log-odds of the positive class). */
  baseScore: number;
  trees: Tree[];
}

export interface GbdtOptions {
  trees: number;
  maxDepth: number;
  learningRate: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  /** Smallest sum of hessians a leaf may hold. */
  minChildWeight: number;
  /** Share of rows each tree sees. */
  subsample: number;
  /** Share of features each tree may split on. */
  colsample: number;
  bins: number;
  seed: number;
}

export const DEFAULT_GBDT: GbdtOptions = {
  trees: 120,
  maxDepth: 4,
  learningRate: 0.08,
  lambda: 1,
  minChildWeight: 2,
  subsample: 0.8,
  colsample: 0.5,
  bins: 32,
  seed: 1,
};

export interface TrainingSet {
  rows: readonly Float32Array[];
  /** 1 = positive (the cloud was needed), 0 = negative. */
  labels: readonly number[];
  /** Per-row weight; 1 when omitted. */
  weights?: readonly number[];
}

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

/** Sum of leaf values: the ensemble's margin (log-odds) for one row. Thresholds compare in float32 as ONNX Runtime does. */
export function margin(model: TreeEnsemble, row: Float32Array): number {
  let sum = model.baseScore;
  for (const tree of model.trees) {
    let i = 0;
    while (tree.feature[i]! >= 0) i = row[tree.feature[i]!]! <= tree.threshold[i]! ? tree.left[i]! : tree.right[i]!;
    sum += tree.value[i]!;
  }
  return sum;
}

export function predictProbability(model: TreeEnsemble, row: Float32Array): number {
  return sigmoid(margin(model, row));
}

/** Up to `bins - 1` thresholds per feature, at quantiles of its distinct values (midpoints, rounded to float32). */
function binEdges(rows: readonly Float32Array[], feature: number, bins: number): number[] {
  const values = [...new Set(rows.map((r) => r[feature]!))].sort((a, b) => a - b);
  if (values.length <= 1) return [];
  const edges: number[] = [];
  const step = Math.max(1, (values.length - 1) / (bins - 1));
  for (let k = step; k < values.length; k += step) {
    const i = Math.floor(k);
    const edge = Math.fround((values[i - 1]! + values[i]!) / 2);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/** Bin index of a value: the number of edges below it, so `bin <= k` is exactly `value <= edges[k]`. */
function binOf(edges: number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Split {
  feature: number;
  bin: number;
  gain: number;
}

/**
 * Fits trees to the labels, starting from `prior` when given (its trees are kept and new ones fitted to what
 * it gets wrong: warm-start learning from a user's own rows on top of the shipped model).
 * Yields to the event loop between trees so the extension host stays responsive.
 */
export async function trainGbdt(data: TrainingSet, options: Partial<GbdtOptions> = {}, prior?: TreeEnsemble): Promise<TreeEnsemble> {
  const o = { ...DEFAULT_GBDT, ...options };
  const n = data.rows.length;
  if (n === 0) throw new Error('No training rows.');
  const featureCount = data.rows[0]!.length;
  if (prior && prior.featureCount !== featureCount) throw new Error(`The prior model expects ${prior.featureCount} features, the rows have ${featureCount}.`);
  const weights = data.weights ?? new Array<number>(n).fill(1);
  const random = seededRandom(o.seed);

  const edges = Array.from({ length: featureCount }, (_, f) => binEdges(data.rows, f, o.bins));
  const binned = edges.map((e, f) => (e.length === 0 ? undefined : Uint8Array.from(data.rows, (r) => binOf(e, r[f]!))));
  const splittable = binned.flatMap((b, f) => (b ? [f] : []));

  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const positive = data.labels.reduce<number>((a, y, i) => a + y * weights[i]!, 0);
  const rate = Math.min(Math.max(positive / totalWeight, 1e-3), 1 - 1e-3);
  const baseScore = prior ? prior.baseScore : Math.log(rate / (1 - rate));
  const margins = Float64Array.from(data.rows, (r) => (prior ? margin(prior, r) : baseScore));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[] = [...(prior?.trees ?? [])];

  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margins[i]!);
      grad[i] = (p - data.labels[i]!) * weights[i]!;
      hess[i] = Math.max(p * (1 - p), 1e-6) * weights[i]!;
    }
    const sample: number[] = [];
    for (let i = 0; i < n; i++) if (random() < o.subsample) sample.push(i);
    const features = splittable.filter(() => random() < o.colsample);
    const tree = growTree(sample, features);
    trees.push(tree);
    for (let i = 0; i < n; i++) {
      let k = 0;
      const row = data.rows[i]!;
      while (tree.feature[k]! >= 0) k = row[tree.feature[k]!]! <= tree.threshold[k]! ? tree.left[k]! : tree.right[k]!;
      margins[i] = margins[i]! + tree.value[k]!;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { featureCount, baseScore, trees };

  function growTree(rows: number[], features: number[]): Tree {
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (members: number[], depth: number): number => {
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(0);
      tree.right.push(0);
      let g = 0;
      let h = 0;
      for (const i of members) {
        g += grad[i]!;
        h += hess[i]!;
      }
      tree.value.push((-g / (h + o.lambda)) * o.learningRate);
      if (depth >= o.maxDepth || h < 2 * o.minChildWeight) return id;
      const split = bestSplit(members, features, g, h);
      if (!split) return id;
      const bins = binned[split.feature]!;
      const leftRows = members.filter((i) => bins[i]! <= split.bin);
      const rightRows = members.filter((i) => bins[i]! > split.bin);
      tree.feature[id] = split.feature;
      tree.threshold[id] = edges[split.feature]![split.bin]!;
      tree.value[id] = 0;
      tree.left[id] = grow(leftRows, depth + 1);
      tree.right[id] = grow(rightRows, depth + 1);
      return id;
    };
    grow(rows, 0);
    return tree;
  }

  function bestSplit(members: number[], features: number[], g: number, h: number): Split | undefined {
    const parentScore = (g * g) / (h + o.lambda);
    let best: Split | undefined;
    const histG = new Float64Array(o.bins + 1);
    const histH = new Float64Array(o.bins + 1);
    for (const f of features) {
      const bins = binned[f]!;
      const count = edges[f]!.length;
      histG.fill(0, 0, count + 1);
      histH.fill(0, 0, count + 1);
      for (const i of members) {
        histG[bins[i]!] += grad[i]!;
        histH[bins[i]!] += hess[i]!;
      }
      let gl = 0;
      let hl = 0;
      for (let k = 0; k < count; k++) {
        gl += histG[k]!;
        hl += histH[k]!;
        const hr = h - hl;
        if (hl < o.minChildWeight || hr < o.minChildWeight) continue;
        const gr = g - gl;
        const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parentScore;
        if (gain > 1e-9 && (!best || gain > best.gain)) best = { feature: f, bin: k, gain };
      }
    }
    return best;
  }
}

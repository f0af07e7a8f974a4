// The routing measures of RouteLLM (lm-sys), as shared/bench/router/README.md defines them, plus the
// plain classification measures the plan's bars are stated in.

import { seededRandom } from '../../random';

/** Both outcomes of a prompt, scored in [0, 1]. */
export interface Outcomes {
  localScore: number;
  cloudScore: number;
}

export interface ScoredRow {
  /** Higher = more reason to send it to the cloud. */
  pCloud: number;
  localScore: number;
  cloudScore: number;
}

export interface RoutingReport {
  rows: number;
  apgr: number;
  /** Smallest cloud share whose PGR reaches 50/80/95%. */
  cpt50: number;
  cpt80: number;
  cpt95: number;
  /** Cloud share needed to reach 95% of the all-cloud mean quality. */
  shareFor95Quality: number;
  meanLocal: number;
  meanCloud: number;
}

/** PGR at each cloud share k/n, k = 0..n, sending the k rows of highest p_cloud (ties in input order). */
export function pgrCurve(rows: readonly ScoredRow[]): { shares: number[]; pgr: number[]; quality: number[] } {
  const n = rows.length;
  const order = rows.map((r, i) => [r, i] as const).sort((a, b) => b[0].pCloud - a[0].pCloud || a[1] - b[1]);
  const meanLocal = rows.reduce((s, r) => s + r.localScore, 0) / n;
  const meanCloud = rows.reduce((s, r) => s + r.cloudScore, 0) / n;
  const gap = meanCloud - meanLocal;
  let sum = meanLocal * n;
  const shares = [0];
  const quality = [meanLocal];
  for (let k = 0; k < n; k++) {
    const [r] = order[k]!;
    sum += r.cloudScore - r.localScore;
    shares.push((k + 1) / n);
    quality.push(sum / n);
  }
  return { shares, quality, pgr: quality.map((q) => (gap === 0 ? 0 : (q - meanLocal) / gap)) };
}

export function routingReport(rows: readonly ScoredRow[]): RoutingReport {
  if (rows.length === 0) throw new Error('No rows to score.');
  const { shares, pgr, quality } = pgrCurve(rows);
  let apgr = 0;
  for (let k = 1; k < shares.length; k++) apgr += ((pgr[k]! + pgr[k - 1]!) / 2) * (shares[k]! - shares[k - 1]!);
  const cpt = (x: number) => shares[pgr.findIndex((p) => p >= x)] ?? 1;
  const meanLocal = quality[0]!;
  const meanCloud = quality[quality.length - 1]!;
  return {
    rows: rows.length,
    apgr,
    cpt50: cpt(0.5),
    cpt80: cpt(0.8),
    cpt95: cpt(0.95),
    shareFor95Quality: shares[quality.findIndex((q) => q >= 0.95 * meanCloud)] ?? 1,
    meanLocal,
    meanCloud,
  };
}

/** The routing report of `p` given row by row for rows whose outcomes are known. */
export function scoreRows(rows: readonly Outcomes[], p: readonly number[]): RoutingReport {
  return routingReport(rows.map((r, i) => ({ pCloud: p[i]!, localScore: r.localScore, cloudScore: r.cloudScore })));
}

/** Random routing averaged over seeds 1..`seeds`: its expected APGR is 0.5, its spread on few rows is not. */
export function randomReport(rows: readonly Outcomes[], seeds = 20): RoutingReport {
  const reports = Array.from({ length: seeds }, (_, s) => {
    const random = seededRandom(s + 1);
    return scoreRows(rows, rows.map(() => random()));
  });
  const mean = (k: keyof RoutingReport) => reports.reduce((a, r) => a + r[k], 0) / seeds;
  return { ...reports[0]!, apgr: mean('apgr'), cpt50: mean('cpt50'), cpt80: mean('cpt80'), cpt95: mean('cpt95'), shareFor95Quality: mean('shareFor95Quality') };
}

export interface ClassificationReport {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Area under the ROC curve: how well p ranks positives above negatives, independent of a threshold. */
  auc: number;
}

export function classificationReport(probabilities: readonly number[], labels: readonly number[], threshold = 0.5): ClassificationReport {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  probabilities.forEach((p, i) => {
    const predicted = p >= threshold ? 1 : 0;
    if (predicted === 1 && labels[i] === 1) tp++;
    else if (predicted === 1) fp++;
    else if (labels[i] === 1) fn++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    accuracy: (tp + tn) / Math.max(1, probabilities.length),
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    auc: auc(probabilities, labels),
  };
}

/** Mann-Whitney AUC with average ranks for ties; 0.5 when one class is absent. */
export function auc(probabilities: readonly number[], labels: readonly number[]): number {
  const order = probabilities.map((p, i) => [p, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (order[k]![1] === 1) {
      rankSum += rank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

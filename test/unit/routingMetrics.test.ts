import { describe, expect, it } from 'vitest';
import { auc, classificationReport, pgrCurve, routingReport } from '../../src/core/router/eval/routingMetrics';

// Four prompts: the cloud helps on two of them (b, d) by a full point.
const rows = [
  { id: 'a', localScore: 1, cloudScore: 1 },
  { id: 'b', localScore: 0, cloudScore: 1 },
  { id: 'c', localScore: 1, cloudScore: 1 },
  { id: 'd', localScore: 0, cloudScore: 1 },
];
const scored = (p: number[]) => rows.map((r, i) => ({ ...r, pCloud: p[i]! }));

describe('routing metrics', () => {
  it('recovers the whole gap once the prompts that need the cloud are sent there', () => {
    const { pgr } = pgrCurve(scored([0, 1, 0, 1]));
    expect(pgr).toEqual([0, 0.5, 1, 1, 1]);
  });

  it('gives a perfect ranking APGR 0.75 on this set (trapezoids over 4 steps) and the worst 0.25', () => {
    expect(routingReport(scored([0, 1, 0, 1])).apgr).toBeCloseTo(0.75, 10);
    expect(routingReport(scored([1, 0, 1, 0])).apgr).toBeCloseTo(0.25, 10);
  });

  it('reports CPT as the smallest cloud share reaching the PGR', () => {
    const r = routingReport(scored([0, 1, 0, 1]));
    expect(r.cpt50).toBe(0.25);
    expect(r.cpt80).toBe(0.5);
    expect(r.shareFor95Quality).toBe(0.5);
  });

  it('computes AUC with ties as half', () => {
    expect(auc([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1])).toBe(1);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
  });

  it('computes accuracy, precision, recall and F1 at the threshold', () => {
    const r = classificationReport([0.9, 0.6, 0.4, 0.1], [1, 0, 1, 0], 0.5);
    expect(r).toMatchObject({ accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5 });
  });
});

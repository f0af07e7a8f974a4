import { describe, expect, it } from 'vitest';
import { replay } from '../../src/core/router/eval/replay';
import type { BenchRow } from '../../src/core/router/eval/benchData';
import { seededRandom } from '../../src/core/random';

const MODEL = 'models/router.onnx';

/** Rows whose outcomes follow the prompt: the node fails on questions about proofs, the cloud answers all. */
function rows(n: number, seed: number, outcome: (hard: boolean) => { localScore: number; cloudScore: number }): BenchRow[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const hard = random() < 0.4;
    const prompt = hard ? `Prove the lemma about prime gaps number ${i}` : `Write a friendly greeting for person ${i}`;
    return { id: `r${i}`, category: 'test', prompt, ...outcome(hard) };
  });
}

describe('route replay', () => {
  it('reveals only the outcome of the route taken, and labels only what a node answer says', async () => {
    // Both routes fail everywhere: a replay that peeked at the cloud would label these rows 0 (the cloud bought
    // nothing); one that only sees the node's failure must label every node-routed row 1.
    const data = rows(120, 1, () => ({ localScore: 0, cloudScore: 0 }));
    const r = await replay(data, { model: MODEL, retrainEvery: 0, seed: 3, explore: 0.1 });
    for (const [i, seen] of r.revealed.entries()) {
      expect(seen.score).toBe(seen.route === 'cloud' ? data[i]!.cloudScore : data[i]!.localScore);
    }
    expect(r.predictions.every((p, i) => p.route === r.revealed[i]!.route)).toBe(true);
    expect(r.revealed.some((x) => x.route === 'cloud')).toBe(true);
    expect(r.revealed.some((x) => x.route === 'local')).toBe(true);
    for (const seen of r.revealed) expect(r.labels.get(seen.id)).toBe(seen.route === 'cloud' ? null : 1);
  });

  it('gives the same predictions and routes for the same seed', async () => {
    const data = rows(150, 2, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
    const a = await replay(data, { model: MODEL, retrainEvery: 50, seed: 9, retrain: { minRows: 30 } });
    const b = await replay(data, { model: MODEL, retrainEvery: 50, seed: 9, retrain: { minRows: 30 } });
    expect(b.predictions).toEqual(a.predictions);
    expect(b.windows).toEqual(a.windows);
  });

  it('retrains on schedule and replaces the model only when validation improves', async () => {
    const data = rows(400, 4, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
    const r = await replay(data, { model: MODEL, retrainEvery: 60, seed: 5, cloudShare: 0.2, retrain: { minRows: 40 } });
    const retrains = r.windows.flatMap((w) => w.retrains);
    const labelled = r.revealed.filter((x) => x.route === 'local').length;
    expect(retrains).toHaveLength(Math.floor(labelled / 60));
    for (const line of retrains) {
      const m = /AUC (\d\.\d+) vs (\d\.\d+)/.exec(line)!;
      const [candidate, active] = [Number(m[1]), Number(m[2])];
      if (line.startsWith('new model')) expect(candidate).toBeGreaterThanOrEqual(active + 0.005);
      else expect(candidate).toBeLessThan(active + 0.005);
    }
    expect(retrains.some((l) => l.startsWith('new model'))).toBe(true);
  });

  it('learns what only this user shows it: later windows rank better than the frozen model', async () => {
    const data = rows(600, 6, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
    const learning = await replay(data, { model: MODEL, retrainEvery: 50, seed: 7, retrain: { minRows: 40 } });
    const frozen = await replay(data, { model: MODEL, retrainEvery: 0, seed: 7 });
    const late = (r: typeof learning) => r.windows.slice(3).reduce((s, w) => s + w.apgr, 0) / r.windows.slice(3).length;
    expect(late(learning)).toBeGreaterThan(late(frozen) + 0.05);
  });
});

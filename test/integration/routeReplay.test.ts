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
    // What makes these hard is this user's own (arithmetic on the node fails), not the kind of task the prior knows.
    const prompt = hard ? `Compute 17*23+${i}/4` : `Write a friendly greeting for person ${i}`;
    return { id: `r${i}`, category: 'test', prompt, ...outcome(hard) };
  });
}

describe('route replay', () => {
  it('reveals only what the extension observes, and labels only from that', async () => {
    // Node answers that pass (0.6) while the cloud's would score higher (1): a replay that peeked at the cloud
    // would label them 1; seeing only the node's accepted answer, the extension labels them 0. Failed node
    // answers are asked again of the cloud (as "Ask the cloud" does), so that outcome is revealed and decides.
    const random = seededRandom(12);
    const data: BenchRow[] = Array.from({ length: 150 }, (_, i) => {
      const kind = random();
      const [localScore, cloudScore] = kind < 0.5 ? [0.6, 1] : kind < 0.75 ? [0, 1] : [0, 0];
      return { id: `r${i}`, category: 'test', prompt: `Question number ${i} about ${kind < 0.5 ? 'greetings' : 'proofs'}`, localScore, cloudScore };
    });
    const r = await replay(data, { model: MODEL, retrainEvery: 0, seed: 3, explore: 0.1 });
    for (const [i, seen] of r.revealed.entries()) {
      const row = data[i]!;
      const label = r.labels.get(seen.id);
      if (seen.route === 'cloud') {
        expect(seen).toEqual({ id: row.id, route: 'cloud', score: row.cloudScore });
        expect(label).toBeNull();
      } else if (row.localScore >= 0.5) {
        expect(seen).toEqual({ id: row.id, route: 'local', score: row.localScore });
        expect(label).toBe(0);
      } else {
        expect(seen).toEqual({ id: row.id, route: 'local', score: row.localScore, escalated: row.cloudScore });
        expect(label).toBe(row.cloudScore >= 0.5 ? 1 : 0);
      }
    }
    expect(new Set(r.revealed.map((x) => x.route))).toEqual(new Set(['local', 'cloud']));
  });

  it('gives the same predictions and routes for the same seed', async () => {
    const data = await rows(150, 2, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
    const a = await replay(data, { model: MODEL, retrainEvery: 50, seed: 9, retrain: { minRows: 30 } });
    const b = await replay(data, { model: MODEL, retrainEvery: 50, seed: 9, retrain: { minRows: 30 } });
    expect(b.predictions).toEqual(a.predictions);
    expect(b.windows).toEqual(a.windows);
  });

  it('retrains on schedule and replaces the model only when validation improves', async () => {
    const data = await rows(400, 4, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
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
    const data = await rows(600, 6, (hard) => ({ localScore: hard ? 0 : 1, cloudScore: 1 }));
    const learning = await replay(data, { model: MODEL, retrainEvery: 50, seed: 7, retrain: { minRows: 40 } });
    const frozen = await replay(data, { model: MODEL, retrainEvery: 0, seed: 7 });
    const late = (r: typeof learning) => r.windows.slice(3).reduce((s, w) => s + w.apgr, 0) / r.windows.slice(3).length;
    expect(late(learning)).toBeGreaterThan(late(frozen) + 0.05);
  });
});

// Realized against target cloud share over a replayed stream, from the cold start to 500 requests: the router
// as the extension runs it (route-replay's path: prior, rank among the user's own predictions, running error,
// retraining every 50 labels), side by side with a fixed threshold calibrated on the shipped model's
// validation rows (the way it was done before), on the same rows. Stream: arena300 (general instructions) and
// the start of mmlu_gsm8k, shuffled, then the 48 everyday coding questions of the tests. Prints the figures,
// writes bench/results/share.json.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { replay } from '../src/core/router/eval/replay';
import { benchFeatures, readBenchRows, type BenchRow } from '../src/core/router/eval/benchData';
import { loadRouterModel } from '../src/core/router/model/runtime';
import { shuffled } from '../src/core/random';
import { EVERYDAY_QUESTIONS } from '../test/fixtures/everydayQuestions';

const SHARES = [0.1, 0.3, 0.5];

function windows(routes: readonly string[], share: number, size = 20) {
  let worst = 0;
  for (let i = 0; i + size <= routes.length; i++) worst = Math.max(worst, Math.abs(routes.slice(i, i + size).filter((r) => r === 'cloud').length / size - share));
  const per100 = [];
  for (let i = 0; i < routes.length; i += 100) per100.push(routes.slice(i, i + 100).filter((r) => r === 'cloud').length / Math.min(100, routes.length - i));
  return { worst20: worst, first20: routes.slice(0, 20).filter((r) => r === 'cloud').length / Math.min(20, routes.length), per100 };
}

async function main() {
  const general = shuffled([...readBenchRows('../shared/bench/router/arena300.jsonl'), ...readBenchRows('../shared/bench/router/mmlu_gsm8k.jsonl').slice(0, 159)], 11);
  const coding: BenchRow[] = EVERYDAY_QUESTIONS.map((q, i) => ({ id: `everyday${i}`, category: 'coding', prompt: q, localScore: 1, cloudScore: 1 }));
  const rows = [...general, ...coding];
  const model = await loadRouterModel(readFileSync('models/router.onnx'), 'models/router.onnx');
  const p = await model.predict(rows.map(benchFeatures));
  const { calibration } = model.info;
  await model.release();
  const result: Record<string, unknown> = { benchmark: 'realized vs target cloud share, cold start to 500 requests', date: new Date().toISOString(), rows: rows.length };
  console.log(`${rows.length} requests; worst |share - target| over any 20 consecutive requests, share of the first 20, share per 100`);
  for (const share of SHARES) {
    const replayed = await replay(rows, { model: 'models/router.onnx', retrainEvery: 50, seed: 5, cloudShare: share });
    const router = windows(replayed.predictions.map((x) => x.route), share);
    const i = calibration!.shares.findIndex((s) => s >= share);
    const threshold = calibration!.thresholds[i]!;
    const fixed = windows(p.map((x) => (x >= threshold ? 'cloud' : 'local')), share);
    result[`share${share}`] = { router, fixedThreshold: { threshold, ...fixed } };
    const fmt = (w: ReturnType<typeof windows>) => `worst ${(w.worst20 * 100).toFixed(0)} pts, first 20 ${(w.first20 * 100).toFixed(0)}%, per 100 ${w.per100.map((x) => `${(x * 100).toFixed(0)}%`).join(' ')}`;
    console.log(`target ${share * 100}%  router: ${fmt(router)}`);
    console.log(`            fixed threshold ${threshold.toFixed(3)}: ${fmt(fixed)}`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/share.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// How the router's prior ranks hard coding questions above easy ones: AUC of p_cloud (hard above easy; random
// 0.50) on the tuning set it was written against and, separately, on a held-out set it never saw; plus the
// shipped ONNX model and the feature heuristic on the same questions, side by side, and the prior's APGR on the
// public arena300 file (general instructions, for reference). Prints the figures, writes bench/results/prior.json.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { priorPCloud } from '../src/core/router/prior';
import { heuristicPCloud } from '../src/core/router/heuristic';
import { extractFeatures } from '../src/core/router/features';
import { loadRouterModel } from '../src/core/router/model/runtime';
import { readBenchRows } from '../src/core/router/eval/benchData';
import { scoreRows } from '../src/core/router/eval/routingMetrics';

interface Labelled {
  text: string;
  label: 'easy' | 'hard';
}

const read = (file: string): Labelled[] => (JSON.parse(readFileSync(file, 'utf8')) as { questions: Labelled[] }).questions;

/** Probability that a random hard question scores above a random easy one (ties count half). */
function auc(questions: readonly Labelled[], scores: readonly number[]): number {
  const hard = scores.filter((_, i) => questions[i]!.label === 'hard');
  const easy = scores.filter((_, i) => questions[i]!.label === 'easy');
  let wins = 0;
  for (const h of hard) for (const e of easy) wins += h > e ? 1 : h === e ? 0.5 : 0;
  return wins / (hard.length * easy.length);
}

async function main() {
  const model = await loadRouterModel(readFileSync('models/router.onnx'), 'models/router.onnx');
  const features = (q: string) => extractFeatures({ question: q, contextChars: 0, historyTurns: 0, category: 'chat', hasImages: false });
  const sets = { tuning: read('bench/data/prior-tuning.json'), heldOut: read('bench/data/prior-heldout.json') };
  const result: Record<string, unknown> = { benchmark: 'hard-above-easy AUC of p_cloud', date: new Date().toISOString() };
  for (const [name, qs] of Object.entries(sets)) {
    const scorers = {
      prior: qs.map((q) => priorPCloud({ question: q.text })),
      shippedModel: await model.predict(qs.map((q) => features(q.text))),
      heuristic: qs.map((q) => heuristicPCloud(features(q.text))),
    };
    const row = Object.fromEntries(Object.entries(scorers).map(([k, s]) => [k, auc(qs, s)]));
    result[name] = { questions: qs.length, auc: row };
    console.log(`${name.padEnd(8)} (${qs.length} questions) AUC  prior ${row.prior!.toFixed(3)}  shipped model ${row.shippedModel!.toFixed(3)}  heuristic ${row.heuristic!.toFixed(3)}`);
  }
  const arena = readBenchRows('../shared/bench/router/arena300.jsonl');
  const apgr = scoreRows(arena, arena.map((r) => priorPCloud({ question: r.prompt }))).apgr;
  result.arena300Apgr = apgr;
  console.log(`arena300 (general instructions, reference): prior APGR ${apgr.toFixed(3)} (random ~0.50)`);
  await model.release();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/prior.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The quality gate, measured on real judged answers (shared/bench/gate/arena_answers.jsonl: 298 prompts
// x 4 models' answers, GPT-4 grades). Side by side in one run:
// 1. The gate as a ranker of "this local answer needs the cloud": APGR of p_cloud, cross-validated GROUPED
//    BY PROMPT (5 folds x 3 seeds; a prompt's four answers never straddle a split), on all rows, on the 7B
//    rows and on Starling's; next to random (20 seeds), the oracle, and the gate's signals summed with equal
//    weights (a fixed heuristic).
//    Also leave-one-model-out: each model's answers scored by gates trained on the other three models'
//    answers to the other half of the prompts (the nearest this data comes to another local model).
// 2. The cascade, router first and gate second: the router trained on mmlu_gsm8k only (so arena prompts are
//    unseen), the gate cross-validated as above; APGR of router alone, gate alone, and both (noisy-OR of
//    their percentile ranks). And the operating point the extension runs at: router cloud share 0.3, gate
//    threshold 0.2.
// 3. Simulated use: the 7B answers replayed as one user's stream in weeks of 120 requests through the
//    extension's router, tables, label rule and retraining (route-replay), with the gate escalating the
//    answers it fails; a rejected node answer is asked again of the cloud. Per week: reroute rate, local
//    acceptance, realised quality, cloud share. Frozen router without gate / learning router without gate /
//    learning router with gate, on 3 shuffles.
// Writes bench/results/gate.json.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isJudged, readAnswerRows, type JudgedAnswerRow } from '../src/core/quality/answerData';
import { crossValidatedGate, leaveOneModelOut } from '../src/core/quality/crossValidate';
import { answerSignals, loopingTail, SIGNAL_NAMES } from '../src/core/quality/signals';
import { judgeAnswer, loadGateModel } from '../src/core/quality/gate';
import { DEFAULT_QUALITY_SETTINGS } from '../src/core/quality/settings';
import { auc, randomReport, scoreRows, type RoutingReport } from '../src/core/router/eval/routingMetrics';
import { benchFeatures, labeledBenchRow, readBenchRows, type BenchRow } from '../src/core/router/eval/benchData';
import { buildRouterModel } from '../src/core/router/model/build';
import { predictProbability } from '../src/core/router/model/gbdt';
import { toOnnx } from '../src/core/router/model/onnx';
import { replay, type WindowReport } from '../src/core/router/eval/replay';
import { shuffled } from '../src/core/random';

const SHARED = join(__dirname, '..', '..', 'shared', 'bench');
const WEEK = 120;
const SEEDS = [1, 2, 3];

/** Percentile rank of each value among all (0 = lowest). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  order.forEach(([, i], k) => (out[i] = k / Math.max(1, values.length - 1)));
  return out;
}

function summary(r: RoutingReport) {
  return { apgr: round(r.apgr), cpt50: round(r.cpt50), cpt80: round(r.cpt80), meanLocal: round(r.meanLocal), meanCloud: round(r.meanCloud) };
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

async function main() {
  const rows = readAnswerRows(join(SHARED, 'gate', 'arena_answers.jsonl')).filter(isJudged);
  const outcomes = rows.map((r) => ({ localScore: r.localScore, cloudScore: r.cloudScore }));
  const subsets: Record<string, (r: JudgedAnswerRow) => boolean> = {
    all: () => true,
    '7B (no Mixtral)': (r) => r.localModel !== 'Mixtral-8x7B-Instruct-v0.1',
    Starling: (r) => r.localModel === 'Starling-LM-7B-alpha',
  };

  const t0 = performance.now();
  const gateP = await crossValidatedGate(rows);
  const cvMs = performance.now() - t0;
  const heuristicP = rows.map((r) => {
    const s = answerSignals({ question: r.prompt, answer: r.localAnswer });
    return SIGNAL_NAMES.reduce((n, name) => n + s[name], 0);
  });
  const oracleP = rows.map((r) => r.cloudScore - r.localScore);

  const ranking: Record<string, Record<string, unknown>> = {};
  for (const [name, keep] of Object.entries(subsets)) {
    const idx = rows.map((r, i) => (keep(r) ? i : -1)).filter((i) => i >= 0);
    const pick = <T>(xs: readonly T[]) => idx.map((i) => xs[i]!);
    const sub = pick(outcomes);
    ranking[name] = {
      rows: idx.length,
      gate: summary(scoreRows(sub, pick(gateP))),
      gateAuc: round(auc(pick(gateP), sub.map((o) => (o.cloudScore > o.localScore ? 1 : 0)))),
      heuristic: summary(scoreRows(sub, pick(heuristicP))),
      random: summary(randomReport(sub)),
      oracle: summary(scoreRows(sub, pick(oracleP))),
    };
  }

  const byModel = await leaveOneModelOut(rows);
  const otherModel = Object.fromEntries(
    [...byModel].map(([model, p]) => {
      const idx = p.map((v, i) => (Number.isNaN(v) ? -1 : i)).filter((i) => i >= 0);
      return [model, { rows: idx.length, gate: round(scoreRows(idx.map((i) => outcomes[i]!), idx.map((i) => p[i]!)).apgr), random: round(randomReport(idx.map((i) => outcomes[i]!)).apgr) }];
    }),
  );

  // Router trained on the other file only: arena prompts are new to it.
  const mmlu = readBenchRows(join(SHARED, 'router', 'mmlu_gsm8k.jsonl'));
  const router = await buildRouterModel(mmlu.map((r) => labeledBenchRow(r)), { trainedOn: 'mmlu_gsm8k.jsonl', validationShare: 0.1 });
  const benchRows: BenchRow[] = rows.map((r) => ({ id: r.id, category: 'arena', prompt: r.prompt, localScore: r.localScore, cloudScore: r.cloudScore }));
  const routerP = benchRows.map((r) => predictProbability(router.ensemble, benchFeatures(r)));
  const rr = ranks(routerP);
  const gr = ranks(gateP);
  const cascadeP = rr.map((r, i) => 1 - (1 - r) * (1 - gr[i]!));
  const cascade = {
    router: summary(scoreRows(outcomes, routerP)),
    gate: summary(scoreRows(outcomes, gateP)),
    cascade: summary(scoreRows(outcomes, cascadeP)),
    random: summary(randomReport(outcomes)),
    oracle: summary(scoreRows(outcomes, oracleP)),
    operatingPoint: operatingPoint(rows, rr, gr),
  };

  const dir = mkdtempSync(join(tmpdir(), 'singularity-gate-bench-'));
  const modelFile = join(dir, 'mmlu-only.onnx');
  writeFileSync(modelFile, toOnnx(router.ensemble, router.info));
  const sevenB = rows.map((r, i) => ({ r, i })).filter(({ r }) => subsets['7B (no Mixtral)']!(r));
  const failsAt = new Map(sevenB.map(({ r, i }) => [r.id, gr[i]! >= 1 - DEFAULT_QUALITY_SETTINGS.threshold]));
  const runs: Record<string, WindowReport[][]> = { 'frozen, no gate': [], 'learning, no gate': [], 'learning + gate': [] };
  try {
    for (const seed of SEEDS) {
      const stream = shuffled(sevenB.map(({ r }) => benchRows.find((b) => b.id === r.id)!), seed);
      const base = { seed, model: modelFile, window: WEEK };
      runs['frozen, no gate']!.push((await replay(stream, { ...base, retrainEvery: 0 })).windows);
      runs['learning, no gate']!.push((await replay(stream, { ...base, retrainEvery: 50 })).windows);
      runs['learning + gate']!.push((await replay(stream, { ...base, retrainEvery: 50, gateFails: (row) => failsAt.get(row.id) === true })).windows);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const weekly = Object.fromEntries(Object.entries(runs).map(([name, perSeed]) => [name, meanWeeks(perSeed)]));

  const result = { rows: rows.length, crossValidation: { folds: 5, seeds: 3, ms: Math.round(cvMs) }, cost: gateCost(rows), ranking, otherModel, cascade, weekly, weekSize: WEEK, shuffles: SEEDS.length };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'gate.json'), `${JSON.stringify(result, null, 2)}\n`);
  print(result);
}

/**
 * What the gate adds to an answer's wait: judging a finished answer with the shipped model, and the loop
 * check run every 200 characters while a node streams (on a 4,000-character tail), per call, in microseconds.
 */
function gateCost(rows: readonly JudgedAnswerRow[]) {
  const model = loadGateModel(join(__dirname, '..', 'models', 'gate.json'));
  const micros = (run: (r: JudgedAnswerRow) => void) => {
    for (const r of rows.slice(0, 50)) run(r);
    const t = rows.map((r) => {
      const started = performance.now();
      run(r);
      return (performance.now() - started) * 1000;
    });
    t.sort((a, b) => a - b);
    return { p50: Math.round(t[Math.floor(t.length / 2)]!), p99: Math.round(t[Math.floor(t.length * 0.99)]!) };
  };
  return {
    judgeUs: micros((r) => judgeAnswer(model, { question: r.prompt, answer: r.localAnswer }, DEFAULT_QUALITY_SETTINGS.threshold)),
    loopCheckUs: micros((r) => loopingTail(r.localAnswer)),
    meanAnswerChars: Math.round(rows.reduce((n, r) => n + r.localAnswer.length, 0) / rows.length),
  };
}

/**
 * Router sends its top 30% to the cloud; of the rest, the gate escalates answers ranked in its weakest 20%
 * (the shipped threshold). Cloud calls = routed + escalated; quality = the final answer's score.
 */
function operatingPoint(rows: readonly JudgedAnswerRow[], routerRank: number[], gateRank: number[]) {
  let cloud = 0;
  let escalated = 0;
  let quality = 0;
  rows.forEach((r, i) => {
    const toCloud = routerRank[i]! >= 0.7;
    const escalate = !toCloud && gateRank[i]! >= 1 - DEFAULT_QUALITY_SETTINGS.threshold;
    cloud += toCloud ? 1 : 0;
    escalated += escalate ? 1 : 0;
    quality += toCloud || escalate ? r.cloudScore : r.localScore;
  });
  const n = rows.length;
  const meanLocal = rows.reduce((s, r) => s + r.localScore, 0) / n;
  const meanCloud = rows.reduce((s, r) => s + r.cloudScore, 0) / n;
  const routerOnly = rows.reduce((s, r, i) => s + (routerRank[i]! >= 0.7 ? r.cloudScore : r.localScore), 0) / n;
  return {
    cloudShare: round(cloud / n),
    escalatedShare: round(escalated / n),
    quality: round(quality / n),
    routerOnlyQuality: round(routerOnly),
    pgr: round((quality / n - meanLocal) / (meanCloud - meanLocal)),
    routerOnlyPgr: round((routerOnly - meanLocal) / (meanCloud - meanLocal)),
  };
}

function meanWeeks(perSeed: WindowReport[][]) {
  const weeks = Math.min(...perSeed.map((w) => w.length));
  return Array.from({ length: weeks }, (_, k) => {
    const at = perSeed.map((w) => w[k]!);
    const mean = (pick: (w: WindowReport) => number) => round(at.reduce((s, w) => s + pick(w), 0) / at.length);
    return {
      week: k + 1,
      rows: at[0]!.rows,
      rerouteRate: mean((w) => w.escalatedShare / Math.max(1e-9, 1 - w.routedCloudShare)),
      gateEscalated: mean((w) => w.gateEscalatedShare),
      localAcceptance: mean((w) => w.localAcceptance),
      quality: mean((w) => w.realisedQuality),
      cloudShare: mean((w) => w.routedCloudShare),
    };
  });
}

function print(r: { otherModel: Record<string, { gate: number; random: number }>; ranking: Record<string, Record<string, unknown>>; cascade: Record<string, unknown>; weekly: Record<string, ReturnType<typeof meanWeeks>>; crossValidation: { ms: number }; cost: ReturnType<typeof gateCost> }) {
  process.stdout.write(`Gate cost per answer (mean ${r.cost.meanAnswerChars} chars): judge p50 ${r.cost.judgeUs.p50} us, p99 ${r.cost.judgeUs.p99} us; loop check p50 ${r.cost.loopCheckUs.p50} us, p99 ${r.cost.loopCheckUs.p99} us\n`);
  const line = (name: string, s: { apgr: number; cpt50: number; cpt80: number }) =>
    `  ${name.padEnd(22)} APGR ${s.apgr.toFixed(3)}  CPT50 ${(s.cpt50 * 100).toFixed(1)}%  CPT80 ${(s.cpt80 * 100).toFixed(1)}%`;
  process.stdout.write(`Quality gate, grouped 5-fold CV x 3 seeds (${r.crossValidation.ms} ms)\n`);
  for (const [subset, x] of Object.entries(r.ranking)) {
    process.stdout.write(`${subset} (${x.rows} rows), gate AUC ${x.gateAuc}\n`);
    for (const k of ['gate', 'heuristic', 'random', 'oracle']) process.stdout.write(`${line(k, x[k] as never)}\n`);
  }
  process.stdout.write(`Leave one model out (trained on the other models' answers to the other half of the prompts): ${Object.entries(r.otherModel).map(([m, x]) => `${m} ${x.gate.toFixed(3)} (random ${x.random.toFixed(3)})`).join(', ')}\n`);
  process.stdout.write('Cascade on all rows (router trained on mmlu_gsm8k only)\n');
  for (const k of ['router', 'gate', 'cascade', 'random', 'oracle']) process.stdout.write(`${line(k, r.cascade[k] as never)}\n`);
  process.stdout.write(`  operating point: ${JSON.stringify(r.cascade.operatingPoint)}\n`);
  process.stdout.write(`Simulated use, weeks of ${WEEK} requests (mean of ${SEEDS.length} shuffles): reroute rate / local acceptance / quality / cloud share\n`);
  for (const [name, weeks] of Object.entries(r.weekly)) {
    process.stdout.write(`  ${name.padEnd(18)} ${weeks.map((w) => `w${w.week} ${w.rerouteRate.toFixed(2)}/${w.localAcceptance.toFixed(2)}/${w.quality.toFixed(3)}/${w.cloudShare.toFixed(2)}`).join('  ')}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

// The router learning one user's distribution from feedback, as `singularity route-replay` runs it
// (src/core/router/eval/replay.ts: the extension's router, tables, label rule and retraining; only the
// outcome of the route taken is revealed). Side by side in one run, per window of 100 requests:
//   - learning: retrain every 50 labelled rows, exploration 5% (the extension's defaults)
//   - frozen: the same starting model, never retrained
//   - random (mean of 20 seeds) and oracle on the same window
// Starting model: trained on arena300 only (general instructions), so the replayed mmlu_gsm8k stream is a
// distribution it has not seen, as a new user's would be. The shipped model is trained on both files and
// cannot be replayed on them honestly. Orders: the file's own order and shuffles with 3 seeds.
// Exploration: the learning run again at 0% and 15%, to show what exploring costs in realised quality.
// A rejected node answer is asked again of the cloud (the panel's "Ask the cloud"); that outcome is revealed.
// Writes bench/results/replay.json. BENCH_SCALE=0.3 replays fewer rows for a quick look.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { labeledBenchRow, readBenchRows, type BenchRow } from '../src/core/router/eval/benchData';
import { replay, type ReplayResult } from '../src/core/router/eval/replay';
import { randomReport, scoreRows } from '../src/core/router/eval/routingMetrics';
import { buildRouterModel } from '../src/core/router/model/build';
import { toOnnx } from '../src/core/router/model/onnx';
import { seededRandom, shuffled } from '../src/core/random';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const DATA_DIR = process.env.ROUTER_DATA ?? join(__dirname, '..', '..', 'shared', 'bench', 'router');
// At least a few windows after the first 400 rows, which the summary is about.
const STREAM_ROWS = Math.max(600, Math.round(3000 * SCALE));
const WINDOW = 100;
const SEEDS = [1, 2, 3];
const RETRAIN_EVERY = 50;

async function startingModel(dir: string): Promise<string> {
  const arena = readBenchRows(join(DATA_DIR, 'arena300.jsonl'));
  const built = await buildRouterModel(
    arena.map((r) => labeledBenchRow(r)),
    { trainedOn: 'arena300.jsonl', gbdt: { trees: 60, minChildWeight: 1 } },
  );
  const file = join(dir, 'arena-only.onnx');
  writeFileSync(file, toOnnx(built.ensemble, built.info));
  return file;
}

function baselines(rows: readonly BenchRow[]): { random: number[]; oracle: number[] } {
  const random: number[] = [];
  const oracle: number[] = [];
  for (let start = 0; start < rows.length; start += WINDOW) {
    const w = rows.slice(start, start + WINDOW);
    random.push(randomReport(w).apgr);
    oracle.push(scoreRows(w, w.map((r) => r.cloudScore - r.localScore)).apgr);
  }
  return { random, oracle };
}

const apgrs = (r: ReplayResult) => r.windows.map((w) => w.apgr);
/**
 * APGR of all rows after the first 400, scored together. Per-window APGR on 0/1 scores is unstable: when a
 * window's cloud-local gap is a point or two, PGR divides by almost nothing (oracle windows above 2, model
 * windows below 0). The pooled figure is the one to compare.
 */
function pooledAfter400(rows: readonly BenchRow[], p: readonly number[]): number {
  return scoreRows(rows.slice(400), p.slice(400)).apgr;
}

/** One seeded random p_cloud per row (the pooled random baseline). */
const randomScores = (rows: readonly BenchRow[], seed: number): number[] => {
  const draw = seededRandom(seed);
  return rows.map(() => draw());
};
const pOf = (r: ReplayResult) => r.predictions.map((x) => x.p_cloud);
/** Which candidate a retraining installed, or 'kept' when none beat the active model. */
function retrainKind(line: string): 'kept' | 'blended' | 'continued' | 'own rows' {
  if (!line.startsWith('new model')) return 'kept';
  return line.includes('blended') ? 'blended' : line.includes('shipped model +') ? 'continued' : 'own rows';
}
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/** Windows after the first 400 rows: what the target is stated on. */
const after400 = (xs: readonly number[]) => mean(xs.slice(400 / WINDOW));
/** What the user got: mean score of their final answers, and cloud use (first route plus escalations). */
const realised = (r: ReplayResult) => ({
  quality: mean(r.windows.map((w) => w.realisedQuality)),
  cloudShare: mean(r.windows.map((w) => w.routedCloudShare)),
  escalatedShare: mean(r.windows.map((w) => w.escalatedShare)),
});

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'singularity-replay-bench-'));
  try {
    const model = await startingModel(dir);
    const mmlu = readBenchRows(join(DATA_DIR, 'mmlu_gsm8k.jsonl'));
    const orders: { name: string; rows: BenchRow[] }[] = [
      { name: 'file order', rows: mmlu.slice(0, STREAM_ROWS) },
      ...SEEDS.map((seed) => ({ name: `shuffled, seed ${seed}`, rows: shuffled(mmlu, seed).slice(0, STREAM_ROWS) })),
    ];
    const runs = [];
    for (const order of orders) {
      const learning = await replay(order.rows, { model, retrainEvery: RETRAIN_EVERY, seed: 11 });
      const frozen = await replay(order.rows, { model, retrainEvery: 0, seed: 11 });
      const { random, oracle } = baselines(order.rows);
      runs.push({
        order: order.name,
        rows: order.rows.length,
        perWindow: { learning: apgrs(learning), frozen: apgrs(frozen), random, oracle, learningCloudShare: learning.windows.map((w) => w.routedCloudShare) },
        after400: { learning: after400(apgrs(learning)), frozen: after400(apgrs(frozen)), random: after400(random), oracle: after400(oracle) },
        pooledAfter400: {
          learning: pooledAfter400(order.rows, pOf(learning)),
          frozen: pooledAfter400(order.rows, pOf(frozen)),
          random: pooledAfter400(order.rows, randomScores(order.rows, 99)),
          oracle: pooledAfter400(order.rows, order.rows.map((r) => r.cloudScore - r.localScore)),
        },
        first400: { learning: mean(apgrs(learning).slice(0, 4)), frozen: mean(apgrs(frozen).slice(0, 4)) },
        realised: { learning: realised(learning), frozen: realised(frozen) },
        retrains: learning.windows.flatMap((w) => w.retrains).map(retrainKind),
      });
      const last = runs[runs.length - 1]!;
      console.log(`\n${order.name} (${order.rows.length} rows): APGR per window of ${WINDOW}`);
      console.log(`${'window'.padEnd(7)} ${'learning'.padStart(9)} ${'frozen'.padStart(7)} ${'random'.padStart(7)} ${'oracle'.padStart(7)} ${'cloud'.padStart(6)}`);
      last.perWindow.learning.forEach((a, i) =>
        console.log(`${String(i + 1).padEnd(7)} ${a.toFixed(3).padStart(9)} ${last.perWindow.frozen[i]!.toFixed(3).padStart(7)} ${random[i]!.toFixed(3).padStart(7)} ${oracle[i]!.toFixed(3).padStart(7)} ${`${Math.round(last.perWindow.learningCloudShare[i]! * 100)}%`.padStart(6)}`),
      );
      const pooled = last.pooledAfter400;
      console.log(`mean of windows after 400 rows: learning ${last.after400.learning.toFixed(3)}, frozen ${last.after400.frozen.toFixed(3)}, random ${last.after400.random.toFixed(3)}, oracle ${last.after400.oracle.toFixed(3)}`);
      console.log(`pooled APGR of the rows after 400: learning ${pooled.learning.toFixed(3)}, frozen ${pooled.frozen.toFixed(3)}, random ${pooled.random.toFixed(3)}, oracle ${pooled.oracle.toFixed(3)}; retrains: ${(['blended', 'continued', 'own rows', 'kept'] as const).map((k) => `${k} ${last.retrains.filter((r) => r === k).length}`).join(', ')}`);
    }

    // Exploration's price: the same learning run with less and more exploring, on the first shuffle.
    const exploreRows = orders[1]!.rows;
    const exploration = [];
    for (const explore of [0, 0.05, 0.15]) {
      const r = await replay(exploreRows, { model, retrainEvery: RETRAIN_EVERY, seed: 11, explore });
      exploration.push({ explore, after400: pooledAfter400(exploreRows, pOf(r)), ...realised(r) });
    }
    console.log('\nExploration (shuffled, seed 1): share of cloud-bound requests sent to the node to learn from');
    console.log(`${'explore'.padEnd(8)} ${'pooled>400'.padStart(10)} ${'quality'.padStart(8)} ${'cloud'.padStart(6)} ${'escalated'.padStart(10)}`);
    for (const e of exploration) console.log(`${`${e.explore * 100}%`.padEnd(8)} ${e.after400.toFixed(3).padStart(10)} ${e.quality.toFixed(3).padStart(8)} ${`${Math.round(e.cloudShare * 100)}%`.padStart(6)} ${`${Math.round(e.escalatedShare * 100)}%`.padStart(10)}`);

    const summary = {
      pooledAfter400: {
        learning: mean(runs.map((r) => r.pooledAfter400.learning)),
        frozen: mean(runs.map((r) => r.pooledAfter400.frozen)),
        random: mean(runs.map((r) => r.pooledAfter400.random)),
        oracle: mean(runs.map((r) => r.pooledAfter400.oracle)),
      },
      realised: { learning: mean(runs.map((r) => r.realised.learning.quality)), frozen: mean(runs.map((r) => r.realised.frozen.quality)) },
    };
    const s = summary.pooledAfter400;
    console.log(`\nMean over the ${runs.length} orders, pooled APGR after 400 rows: learning ${s.learning.toFixed(3)}, frozen ${s.frozen.toFixed(3)}, random ${s.random.toFixed(3)}, oracle ${s.oracle.toFixed(3)}`);
    const seconds = (Date.now() - started) / 1000;
    console.log(`Took ${seconds.toFixed(0)} s.`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'replay.json'),
      `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model }, settings: { startingModel: 'GBDT on arena300.jsonl only (60 trees)', stream: 'mmlu_gsm8k.jsonl', rows: STREAM_ROWS, window: WINDOW, retrainEvery: RETRAIN_EVERY, explore: 0.05, cloudShare: 0.3 }, summary, runs, exploration, seconds }, null, 2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();

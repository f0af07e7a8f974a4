// The learned local-vs-cloud router on real outcomes (shared/bench/router: arena300 = general
// instructions with graded scores, mmlu_gsm8k = multiple choice and maths with 0/1 scores), every
// router side by side in one run. Measures are RouteLLM's (APGR, CPT, see the data's README).
//   1. cross-file: train on one file, test on the other, both ways. GBDT as `singularity train` builds
//      it (buildRouterModel defaults), the bag-of-words logistic baseline on the same training rows,
//      the heuristic, random (mean of 20 seeds), oracle; classification figures at threshold 0.5
//   2. 5-fold cross-validation within each file (fold = row index % 5)
//   3. online learning as the extension does it: a model trained on arena300 only meets one user's
//      mmlu_gsm8k requests in windows of 100; each window is routed by the active model before its
//      outcomes are seen, then retrainRouter decides whether a retrained model replaces it
//   4. router overhead per request: features + ONNX inference at batch 1, session creation
//   5. whether text features help: the GBDT with a block of hashed n-grams of the prompt appended to the
//      schema's columns, cross-file and in-file (the schema leaves them out because of this measurement)
// Writes bench/results/router.json. `BENCH_SCALE=0.2` shrinks mmlu_gsm8k, the stream and the timing
// loops for a quick look (the published figures use 1). ROUTER_DATA=DIR points at another copy of the data.

import { timed } from './timing';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchFeatures, cloudNeeded, readBenchRows, type BenchRow } from '../src/core/router/eval/benchData';
import { classificationReport, randomReport, routingReport, type ClassificationReport, type RoutingReport } from '../src/core/router/eval/routingMetrics';
import { buildRouterModel, splitRows, type LabeledRow } from '../src/core/router/model/build';
import { DEFAULT_GBDT, predictProbability, type TreeEnsemble } from '../src/core/router/model/gbdt';
import { trainBagOfWords } from '../src/core/router/model/logistic';
import { fromOnnx, toOnnx } from '../src/core/router/model/onnx';
import type { ModelInfo } from '../src/shared/router';
import { DEFAULT_RETRAIN, retrainRouter, type RetrainResult } from '../src/core/router/model/retrain';
import { loadRouterModel, type RouterModel } from '../src/core/router/model/runtime';
import { extractFeatures, FEATURE_SCHEMA, fnv1a, words, type FeatureInput } from '../src/core/router/features';
import { heuristicPCloud } from '../src/core/router/heuristic';
import { seededRandom, shuffled } from '../src/core/random';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const REPO_ROOT = join(__dirname, '..');
const DATA_DIR = process.env.ROUTER_DATA ?? join(REPO_ROOT, '..', 'shared', 'bench', 'router');
const ARENA_FILE = 'arena300.jsonl';
const MMLU_FILE = 'mmlu_gsm8k.jsonl';
/** buildRouterModel's own held-out share and seed: the baseline must see the rows the GBDT trained on, no more. */
const BUILD_VALIDATION_SHARE = 0.2;
const BUILD_SEED = 1;
const FOLDS = 5;
const WINDOW = 100;
const STREAM_WINDOWS = Math.max(6, Math.round(30 * SCALE));
const STREAM_SEEDS = [1, 2, 3];
/** Windows 1-4 are the first 400 rows: before the user's rows can have taught the model much. */
const EARLY_WINDOWS = 4;
const RANDOM_SEEDS = 20;
const OVERHEAD_WARMUP = 200;
const OVERHEAD_CALLS = Math.max(200, Math.round(2000 * SCALE));
const TIMING_ROUNDS = 4;
const SESSION_LOADS = 10;
const SHIPPED_MODEL = join(REPO_ROOT, 'models', 'router.onnx');
/** The timings mean little on a machine that is busy with something else; the JSON says how busy it was. */
const LOAD_AT_START = loadavg();

interface Example {
  row: BenchRow;
  features: Float32Array;
  label: 0 | 1;
}

// ---------------------------------------------------------------- data

class MissingDataError extends Error {}

function requireDataFile(name: string): string {
  const path = join(DATA_DIR, name);
  if (!existsSync(path)) {
    throw new MissingDataError(`Router benchmark data not found: ${path}. Set ROUTER_DATA to the folder holding ${ARENA_FILE} and ${MMLU_FILE}.`);
  }
  return path;
}

function toExample(row: BenchRow): Example {
  return { row, features: benchFeatures(row), label: cloudNeeded(row.localScore, row.cloudScore) };
}

/** Seeded subsample that keeps file order, so `index % 5` folds still interleave the categories. */
function subsample<T>(items: readonly T[], share: number, seed: number): T[] {
  if (share >= 1) return [...items];
  const random = seededRandom(seed);
  return items.filter(() => random() < share);
}

function loadExamples(): { arena: Example[]; mmlu: Example[] } {
  const arena = readBenchRows(requireDataFile(ARENA_FILE)).map(toExample);
  const mmlu = subsample(readBenchRows(requireDataFile(MMLU_FILE)), SCALE, 99).map(toExample);
  return { arena, mmlu };
}

function describeFile(examples: readonly Example[]) {
  const mean = (f: (e: Example) => number) => examples.reduce((s, e) => s + f(e), 0) / examples.length;
  return { rows: examples.length, meanLocal: mean((e) => e.row.localScore), meanCloud: mean((e) => e.row.cloudScore), cloudNeededShare: mean((e) => e.label) };
}

/** Size of the text-feature block tried in section 5. */
const HASH_BUCKETS = 128;

/** The schema's columns plus hashed word unigrams and bigrams of the prompt, as shares of its n-grams. */
function withHashColumns(examples: readonly Example[]): Example[] {
  return examples.map((e) => {
    const tokens = words(e.row.prompt);
    const block = new Float32Array(HASH_BUCKETS);
    const grams = Math.max(1, 2 * tokens.length - 1);
    tokens.forEach((t, i) => {
      block[fnv1a(t) % HASH_BUCKETS] += 1 / grams;
      if (i > 0) block[fnv1a(`${tokens[i - 1]} ${t}`) % HASH_BUCKETS] += 1 / grams;
    });
    const features = new Float32Array(e.features.length + HASH_BUCKETS);
    features.set(e.features);
    features.set(block, e.features.length);
    return { ...e, features };
  });
}

const toLabeled = (e: Example): LabeledRow => ({ features: e.features, label: e.label, localScore: e.row.localScore, cloudScore: e.row.cloudScore });

// ---------------------------------------------------------------- routers

type Predictor = (examples: readonly Example[]) => number[];

async function trainGbdtAsCli(train: readonly Example[], trainedOn: string): Promise<{ ensemble: TreeEnsemble; info: ModelInfo }> {
  const built = await buildRouterModel(train.map(toLabeled), { trainedOn, validationShare: BUILD_VALIDATION_SHARE, seed: BUILD_SEED });
  return { ensemble: built.ensemble, info: built.info };
}

const ensemblePredictor = (ensemble: TreeEnsemble): Predictor => (examples) => examples.map((e) => predictProbability(ensemble, e.features));

function trainBaseline(train: readonly Example[]): Predictor {
  const { train: seen } = splitRows(train, BUILD_VALIDATION_SHARE, BUILD_SEED);
  const model = trainBagOfWords(seen.map((e) => e.row.prompt), seen.map((e) => e.label));
  return (examples) => examples.map((e) => model.predict(e.row.prompt));
}

const heuristic: Predictor = (examples) => examples.map((e) => heuristicPCloud(e.features));
const oracle: Predictor = (examples) => examples.map((e) => e.row.cloudScore - e.row.localScore);

function routing(examples: readonly Example[], p: readonly number[]): RoutingReport {
  return routingReport(examples.map((e, i) => ({ pCloud: p[i]!, localScore: e.row.localScore, cloudScore: e.row.cloudScore })));
}

const randomRouting = (examples: readonly Example[]): RoutingReport => randomReport(examples.map((e) => e.row), RANDOM_SEEDS);

function classification(examples: readonly Example[], p: readonly number[]): ClassificationReport {
  return classificationReport(p, examples.map((e) => e.label), 0.5);
}

// ---------------------------------------------------------------- 1. cross-file

interface CrossFileResult {
  train: string;
  test: string;
  trainRows: number;
  testRows: number;
  routing: Record<string, RoutingReport>;
  classification: Record<string, ClassificationReport>;
}

async function crossFile(train: readonly Example[], test: readonly Example[], trainName: string, testName: string): Promise<{ result: CrossFileResult; gbdt: { ensemble: TreeEnsemble; info: ModelInfo } }> {
  const gbdt = await trainGbdtAsCli(train, trainName);
  const withHash = await trainGbdtAsCli(withHashColumns(train), `${trainName} (with hashed n-grams)`);
  const pGbdt = ensemblePredictor(gbdt.ensemble)(test);
  const pBaseline = trainBaseline(train)(test);
  const result: CrossFileResult = {
    train: trainName,
    test: testName,
    trainRows: train.length,
    testRows: test.length,
    routing: {
      'GBDT': routing(test, pGbdt),
      'GBDT + hashed n-grams': routing(test, ensemblePredictor(withHash.ensemble)(withHashColumns(test))),
      'bag-of-words logistic': routing(test, pBaseline),
      'heuristic': routing(test, heuristic(test)),
      [`random (mean of ${RANDOM_SEEDS} seeds)`]: randomRouting(test),
      'oracle': routing(test, oracle(test)),
    },
    classification: { 'GBDT': classification(test, pGbdt), 'bag-of-words logistic': classification(test, pBaseline) },
  };
  return { result, gbdt };
}

// ---------------------------------------------------------------- 2. cross-validation

interface CrossValidationResult {
  file: string;
  folds: number;
  /** APGR of each router on each test fold. */
  perFold: Record<string, number[]>;
  meanApgr: Record<string, number>;
}

async function crossValidate(examples: readonly Example[], file: string): Promise<CrossValidationResult> {
  const perFold: Record<string, number[]> = {};
  const add = (name: string, apgr: number) => (perFold[name] ??= []).push(apgr);
  for (let fold = 0; fold < FOLDS; fold++) {
    const train = examples.filter((_, i) => i % FOLDS !== fold);
    const test = examples.filter((_, i) => i % FOLDS === fold);
    const gbdt = await trainGbdtAsCli(train, file);
    const withHash = await trainGbdtAsCli(withHashColumns(train), file);
    add('GBDT', routing(test, ensemblePredictor(gbdt.ensemble)(test)).apgr);
    add('GBDT + hashed n-grams', routing(test, ensemblePredictor(withHash.ensemble)(withHashColumns(test))).apgr);
    add('bag-of-words logistic', routing(test, trainBaseline(train)(test)).apgr);
    add('heuristic', routing(test, heuristic(test)).apgr);
    add(`random (mean of ${RANDOM_SEEDS} seeds)`, randomRouting(test).apgr);
    add('oracle', routing(test, oracle(test)).apgr);
  }
  const meanApgr = Object.fromEntries(Object.entries(perFold).map(([name, values]) => [name, mean(values)]));
  return { file, folds: FOLDS, perFold, meanApgr };
}

// ---------------------------------------------------------------- 3. online learning

interface WindowResult {
  window: number;
  rowsSeen: number;
  /** Mean cloud minus mean local quality of the window: APGR divides by it, so a small gap makes the window's figures swing. */
  gap: number;
  learning: number;
  frozen: number;
  random: number;
  oracle: number;
  /** What retrainRouter decided after this window's outcomes were revealed. */
  retrain: RetrainResult['kind'];
  candidateAuc?: number;
  activeAuc?: number;
  retrainMs: number;
}

interface OnlineSummary {
  earlyLearning: number;
  earlyFrozen: number;
  lateLearning: number;
  lateFrozen: number;
  /** One APGR over all late rows pooled (less noisy than a mean of 100-row windows). */
  lateLearningPooled: number;
  lateFrozenPooled: number;
  replacements: number;
}

interface OnlineRun {
  seed: number;
  windows: WindowResult[];
  summary: OnlineSummary;
  /** Largest |ONNX - TS| p_cloud of the base model on the first window: the two predictors must agree. */
  onnxVsTsMaxDiff: number;
}

/** The active model runs through ONNX Runtime, as in the extension, not through the TS trees. */
async function loadAsOnnx(ensemble: TreeEnsemble, info: ModelInfo, source: string): Promise<RouterModel> {
  return loadRouterModel(toOnnx(ensemble, info), source);
}

async function onlineRun(pool: readonly Example[], base: { ensemble: TreeEnsemble; info: ModelInfo }, seed: number): Promise<OnlineRun> {
  const stream = shuffled(pool, seed).slice(0, STREAM_WINDOWS * WINDOW);
  const frozen = ensemblePredictor(base.ensemble);
  let active = await loadAsOnnx(base.ensemble, base.info, 'base model (arena300)');
  const userRows: LabeledRow[] = [];
  const windows: WindowResult[] = [];
  const late = { examples: [] as Example[], learning: [] as number[], frozen: [] as number[] };
  let onnxVsTsMaxDiff = 0;
  try {
    for (let w = 0; w * WINDOW < stream.length; w++) {
      const window = stream.slice(w * WINDOW, (w + 1) * WINDOW);
      const pLearning = await active.predict(window.map((e) => e.features));
      const pFrozen = frozen(window);
      if (w === 0) onnxVsTsMaxDiff = Math.max(...pLearning.map((p, i) => Math.abs(p - pFrozen[i]!)));
      if (w >= EARLY_WINDOWS) {
        late.examples.push(...window);
        late.learning.push(...pLearning);
        late.frozen.push(...pFrozen);
      }
      userRows.push(...window.map(toLabeled));
      const started = performance.now();
      const current = active;
      const result = await retrainRouter(userRows, base.ensemble, (features) => current.predict(features));
      if (result.kind === 'replaced') {
        active = await loadAsOnnx(result.model.ensemble, result.model.info, `retrained on ${userRows.length} rows`);
        await current.release();
      }
      const learning = routing(window, pLearning);
      windows.push({
        window: w + 1,
        rowsSeen: userRows.length,
        gap: learning.meanCloud - learning.meanLocal,
        learning: learning.apgr,
        frozen: routing(window, pFrozen).apgr,
        random: randomRouting(window).apgr,
        oracle: routing(window, oracle(window)).apgr,
        retrain: result.kind,
        ...(result.kind === 'tooFewRows' ? {} : { candidateAuc: result.candidateAuc, activeAuc: result.activeAuc }),
        retrainMs: performance.now() - started,
      });
    }
  } finally {
    await active.release();
  }
  const early = windows.slice(0, EARLY_WINDOWS);
  const rest = windows.slice(EARLY_WINDOWS);
  return {
    seed,
    windows,
    onnxVsTsMaxDiff,
    summary: {
      earlyLearning: mean(early.map((w) => w.learning)),
      earlyFrozen: mean(early.map((w) => w.frozen)),
      lateLearning: mean(rest.map((w) => w.learning)),
      lateFrozen: mean(rest.map((w) => w.frozen)),
      lateLearningPooled: routing(late.examples, late.learning).apgr,
      lateFrozenPooled: routing(late.examples, late.frozen).apgr,
      replacements: windows.filter((w) => w.retrain === 'replaced').length,
    },
  };
}

function meanCurve(runs: readonly OnlineRun[]) {
  return runs[0]!.windows.map((_, w) => {
    const at = (k: 'gap' | 'learning' | 'frozen' | 'random' | 'oracle') => mean(runs.map((r) => r.windows[w]![k]));
    return {
      window: w + 1,
      gap: at('gap'),
      learning: at('learning'),
      frozen: at('frozen'),
      random: at('random'),
      oracle: at('oracle'),
      replacedIn: runs.filter((r) => r.windows[w]!.retrain === 'replaced').length,
    };
  });
}

function meanSummary(runs: readonly OnlineRun[]): OnlineSummary {
  const at = (k: keyof OnlineSummary) => mean(runs.map((r) => r.summary[k]));
  return {
    earlyLearning: at('earlyLearning'),
    earlyFrozen: at('earlyFrozen'),
    lateLearning: at('lateLearning'),
    lateFrozen: at('lateFrozen'),
    lateLearningPooled: at('lateLearningPooled'),
    lateFrozenPooled: at('lateFrozenPooled'),
    replacements: at('replacements'),
  };
}

// ---------------------------------------------------------------- 4. overhead

const QUESTION =
  'Why does `parseConfig` return undefined for the nodes list when the settings file has an empty "nodes" array? ' +
  'I expected an empty array. Please explain what happens step by step and suggest a fix that keeps the defaults for missing keys.';

/** About 2 KB of TypeScript, the size of a selection or a small attached file. */
const CONTEXT = Array.from(
  { length: 26 },
  (_, i) => `export function parse${i}(raw: unknown): Config | undefined {\n  if (!raw) return undefined; // line ${i}\n}\n`,
).join('').slice(0, 2048);

/**
 * The extension counts attached context (contextChars) and scans only the question; the second input
 * puts the same 2 KB in the question itself, the most text extractFeatures ever scans for such a request.
 */
const OVERHEAD_INPUTS: Record<string, FeatureInput> = {
  'question + 2 KB attached': { question: QUESTION, contextChars: CONTEXT.length, historyTurns: 2, category: 'chat', hasImages: false },
  'question with 2 KB pasted in': { question: `${QUESTION}\n\`\`\`ts\n${CONTEXT}\n\`\`\``, contextChars: 0, historyTurns: 2, category: 'chat', hasImages: false },
};

interface Latency {
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

function latency(samplesMs: number[]): Latency {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const q = (x: number) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))]! * 1000;
  return { p50Us: q(0.5), p99Us: q(0.99), meanUs: mean(sorted) * 1000 };
}

/**
 * Each step runs in its own tight loop (interleaving them lets the ONNX call evict the others' caches and
 * triples the TS figures), and the loops take turns in rounds, so a busy stretch of a shared machine
 * lands on all steps rather than on one. Synchronous steps are not awaited: an await adds a microtask.
 */
async function timeSteps<K extends string>(steps: Record<K, () => unknown>): Promise<Record<K, Latency>> {
  const names = Object.keys(steps) as K[];
  const samples = new Map<K, number[]>(names.map((k) => [k, []]));
  const run = async (name: K, calls: number, keep: boolean) => {
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      const out = steps[name]();
      if (out instanceof Promise) await out;
      if (keep) samples.get(name)!.push(performance.now() - started);
    }
  };
  for (const name of names) await run(name, OVERHEAD_WARMUP, false);
  for (let round = 0; round < TIMING_ROUNDS; round++) {
    for (const name of names) await run(name, Math.ceil(OVERHEAD_CALLS / TIMING_ROUNDS), true);
  }
  return Object.fromEntries(names.map((k) => [k, latency(samples.get(k)!)])) as Record<K, Latency>;
}

async function sessionCreation(bytes: Uint8Array): Promise<{ firstMs: number; medianMs: number }> {
  const times: number[] = [];
  for (let i = 0; i < SESSION_LOADS + 1; i++) {
    const started = performance.now();
    const model = await loadRouterModel(bytes, SHIPPED_MODEL);
    times.push(performance.now() - started);
    await model.release();
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: rest[Math.floor(rest.length / 2)]! };
}

async function overhead() {
  const bytes = readFileSync(SHIPPED_MODEL);
  // Before anything else loads the native module, so `firstMs` includes importing onnxruntime-node.
  const session = await sessionCreation(bytes);
  const model = await loadRouterModel(bytes, SHIPPED_MODEL);
  const ensemble = fromOnnx(bytes);
  if (!ensemble) throw new Error(`${SHIPPED_MODEL} is not a TreeEnsembleClassifier this bench can read.`);
  const perInput: Record<string, { features: Latency; onnx: Latency; ts: Latency; featuresAndOnnx: Latency; onnxVsTsDiff: number }> = {};
  try {
    for (const [name, input] of Object.entries(OVERHEAD_INPUTS)) {
      const row = extractFeatures(input);
      const [pOnnx] = await model.predict([row]);
      const timings = await timeSteps({
        features: () => extractFeatures(input),
        onnx: () => model.predict([row]),
        featuresAndOnnx: () => model.predict([extractFeatures(input)]),
        ts: () => predictProbability(ensemble, row),
      });
      perInput[name] = { ...timings, onnxVsTsDiff: Math.abs(pOnnx! - predictProbability(ensemble, row)) };
    }
  } finally {
    await model.release();
  }
  return {
    model: { path: 'models/router.onnx', bytes: bytes.length, trees: ensemble.trees.length, trainedOn: model.info.trainedOn },
    questionChars: QUESTION.length,
    contextChars: CONTEXT.length,
    warmup: OVERHEAD_WARMUP,
    calls: OVERHEAD_CALLS,
    sessionCreation: session,
    perInput,
  };
}

// ---------------------------------------------------------------- printing

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const us = (x: number) => x.toFixed(1);

/** Left-aligned first column, right-aligned figures. */
function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
}

function printCrossFile(r: CrossFileResult): void {
  const any = Object.values(r.routing)[0]!;
  printTable(
    `Cross-file: train ${r.train} (${r.trainRows} rows) -> test ${r.test} (${r.testRows} rows; mean quality local ${f3(any.meanLocal)}, cloud ${f3(any.meanCloud)})`,
    ['router', 'APGR', 'CPT50', 'CPT80', 'CPT95', 'cloud for 95% quality'],
    Object.entries(r.routing).map(([name, x]) => [name, f3(x.apgr), pct(x.cpt50), pct(x.cpt80), pct(x.cpt95), pct(x.shareFor95Quality)]),
  );
  printTable(
    `  classification on ${r.test}, threshold 0.5, label = cloudNeeded`,
    ['router', 'accuracy', 'precision', 'recall', 'F1', 'AUC'],
    Object.entries(r.classification).map(([name, c]) => [name, f3(c.accuracy), f3(c.precision), f3(c.recall), f3(c.f1), f3(c.auc)]),
  );
}

function printCrossValidation(results: readonly CrossValidationResult[]): void {
  const names = Object.keys(results[0]!.meanApgr);
  printTable(
    `Cross-validated APGR, ${FOLDS} folds by row index % ${FOLDS} (mean over folds; min-max in brackets)`,
    ['router', ...results.map((r) => r.file)],
    names.map((name) => [name, ...results.map((r) => `${f3(r.meanApgr[name])} [${f3(Math.min(...r.perFold[name]!))}-${f3(Math.max(...r.perFold[name]!))}]`)]),
  );
}

function printOnline(runs: readonly OnlineRun[], curve: ReturnType<typeof meanCurve>, summary: OnlineSummary): void {
  for (const run of runs) {
    printTable(
      `Online learning, shuffle seed ${run.seed}: APGR per window of ${WINDOW} (routed before the window's outcomes are seen)`,
      ['window', 'rows seen', 'gap', 'learning', 'frozen', 'random', 'oracle', 'retrain after', 'cand. AUC', 'active AUC', 'ms'],
      run.windows.map((w) => [String(w.window), String(w.rowsSeen), f3(w.gap), f3(w.learning), f3(w.frozen), f3(w.random), f3(w.oracle), w.retrain, f3(w.candidateAuc), f3(w.activeAuc), w.retrainMs.toFixed(0)]),
    );
  }
  printTable(
    `Online learning, mean curve over seeds ${STREAM_SEEDS.join(', ')}`,
    ['window', 'gap', 'learning', 'frozen', 'random', 'oracle', 'replaced in'],
    curve.map((w) => [String(w.window), f3(w.gap), f3(w.learning), f3(w.frozen), f3(w.random), f3(w.oracle), `${w.replacedIn}/${runs.length}`]),
  );
  const row = (name: string, s: OnlineSummary) => [name, f3(s.earlyLearning), f3(s.earlyFrozen), f3(s.lateLearning), f3(s.lateFrozen), f3(s.lateLearningPooled), f3(s.lateFrozenPooled), s.replacements.toFixed(1)];
  printTable(
    `Online learning summary: windows 1-${EARLY_WINDOWS} vs ${EARLY_WINDOWS + 1}-${STREAM_WINDOWS} (after ${EARLY_WINDOWS * WINDOW} rows)`,
    ['run', 'early learn', 'early frozen', 'late learn', 'late frozen', 'late learn pooled', 'late frozen pooled', 'replacements'],
    [...runs.map((r) => row(`seed ${r.seed}`, r.summary)), row('mean', summary)],
  );
}

function printOverhead(o: Awaited<ReturnType<typeof overhead>>): void {
  console.log(
    `\nRouter overhead per request, ${o.model.path} (${o.model.trees} trees, ${(o.model.bytes / 1024).toFixed(0)} KB), batch 1, ${o.calls} calls after ${o.warmup} warm-up` +
      `\n  session creation (loadRouterModel): first ${o.sessionCreation.firstMs.toFixed(1)} ms (includes importing onnxruntime-node), then median ${o.sessionCreation.medianMs.toFixed(1)} ms`,
  );
  printTable(
    '  microseconds per call',
    ['input', 'step', 'p50 us', 'p99 us', 'mean us'],
    Object.entries(o.perInput).flatMap(([name, x]) =>
      ([['extractFeatures', x.features], ['ONNX predict', x.onnx], ['features + ONNX', x.featuresAndOnnx], ['TS predictProbability', x.ts]] as const).map(([step, l]) => [
        name,
        step,
        us(l.p50Us),
        us(l.p99Us),
        us(l.meanUs),
      ]),
    ),
  );
  console.log(`  ONNX vs TS p_cloud of the shipped model: max |difference| ${Math.max(...Object.values(o.perInput).map((x) => x.onnxVsTsDiff)).toExponential(1)}`);
}

function printHashEffect(cross: readonly CrossFileResult[], cv: readonly CrossValidationResult[]): void {
  printTable(
    `Hashed n-grams of the prompt (${HASH_BUCKETS} columns added to the schema's ${FEATURE_SCHEMA.names.length}): GBDT APGR with them vs without`,
    ['evaluation', 'with hash', 'without', 'difference'],
    [
      ...cross.map((r) => [`${r.train} -> ${r.test}`, r.routing['GBDT + hashed n-grams']!.apgr, r.routing['GBDT']!.apgr] as const),
      ...cv.map((r) => [`${FOLDS}-fold CV ${r.file}`, r.meanApgr['GBDT + hashed n-grams']!, r.meanApgr['GBDT']!] as const),
    ].map(([name, withHash, without]) => [name, f3(withHash), f3(without), (withHash - without >= 0 ? '+' : '') + f3(withHash - without)]),
  );
}

// ---------------------------------------------------------------- main


async function main() {
  const started = performance.now();
  const seconds: Record<string, number> = {};
  // Overhead first: nothing else is warm yet, so session creation is measured cold.
  const overheadResult = await timed(seconds, 'overhead', overhead);
  const { arena, mmlu } = await timed(seconds, 'loadAndFeatures', async () => loadExamples());
  console.log(
    `Router bench: ${arena.length} rows of ${ARENA_FILE}, ${mmlu.length} rows of ${MMLU_FILE}${SCALE < 1 ? ` (BENCH_SCALE=${SCALE} subsample)` : ''} from ${DATA_DIR}; ${cpus().length} cores, Node ${process.version}, load average ${LOAD_AT_START[0]!.toFixed(2)}`,
  );

  const mmluToArena = await timed(seconds, 'crossFileMmluToArena', () => crossFile(mmlu, arena, MMLU_FILE, ARENA_FILE));
  const arenaToMmlu = await timed(seconds, 'crossFileArenaToMmlu', () => crossFile(arena, mmlu, ARENA_FILE, MMLU_FILE));
  const crossFileResults = [mmluToArena.result, arenaToMmlu.result];
  crossFileResults.forEach(printCrossFile);
  console.log('\n  APGR and PGR can exceed 1 where local beats cloud on some rows: keeping those local beats all-cloud.');

  const cvResults = await timed(seconds, 'crossValidation', async () => [await crossValidate(arena, ARENA_FILE), await crossValidate(mmlu, MMLU_FILE)]);
  printCrossValidation(cvResults);

  // The arena-only model of the cross-file run is the "shipped" model meeting a user whose requests look like mmlu_gsm8k.
  const base = arenaToMmlu.gbdt;
  const runs = await timed(seconds, 'online', async () => {
    const out: OnlineRun[] = [];
    for (const seed of STREAM_SEEDS) out.push(await onlineRun(mmlu, base, seed));
    return out;
  });
  const curve = meanCurve(runs);
  const onlineSummary = meanSummary(runs);
  printOnline(runs, curve, onlineSummary);
  console.log(`  ONNX vs TS p_cloud of the base model on window 1: max |difference| ${Math.max(...runs.map((r) => r.onnxVsTsMaxDiff)).toExponential(1)}`);
  console.log(`  for reference, a GBDT trained from scratch on ${MMLU_FILE} (${FOLDS}-fold CV above): APGR ${f3(cvResults[1]!.meanApgr['GBDT'])}`);

  printOverhead(overheadResult);
  printHashEffect(crossFileResults, cvResults);

  seconds.total = (performance.now() - started) / 1000;
  console.log(`\nRuntime ${seconds.total.toFixed(1)} s (${Object.entries(seconds).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`);

  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'router.json'),
    `${JSON.stringify(
      {
        benchmark: 'learned router',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart: LOAD_AT_START },
        settings: {
          scale: SCALE,
          data: { dir: DATA_DIR, [ARENA_FILE]: describeFile(arena), [MMLU_FILE]: describeFile(mmlu) },
          gbdt: { ...DEFAULT_GBDT, via: 'buildRouterModel defaults (as `singularity train`)', validationShare: BUILD_VALIDATION_SHARE, seed: BUILD_SEED },
          baseline: 'trainBagOfWords defaults, on the same 80% of the training rows the GBDT trained on',
          label: 'cloudNeeded(local, cloud) = cloud > local',
          randomSeeds: RANDOM_SEEDS,
          folds: FOLDS,
          online: { windowRows: WINDOW, windows: STREAM_WINDOWS, seeds: STREAM_SEEDS, earlyWindows: EARLY_WINDOWS, base: `GBDT trained on ${ARENA_FILE} only`, retrain: DEFAULT_RETRAIN },
          overhead: { warmup: OVERHEAD_WARMUP, calls: OVERHEAD_CALLS, rounds: TIMING_ROUNDS, sessionLoads: SESSION_LOADS },
        },
        crossFile: crossFileResults,
        crossValidation: cvResults,
        online: { runs, meanCurve: curve, summary: onlineSummary },
        overhead: overheadResult,
        hashBuckets: {
          crossFile: crossFileResults.map((r) => ({ train: r.train, test: r.test, withHash: r.routing['GBDT + hashed n-grams']!.apgr, withoutHash: r.routing['GBDT']!.apgr })),
          crossValidation: cvResults.map((r) => ({ file: r.file, withHash: r.meanApgr['GBDT + hashed n-grams'], withoutHash: r.meanApgr['GBDT']! })),
        },
        runtimeSeconds: seconds,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((err) => {
  console.error(err instanceof MissingDataError ? err.message : err);
  process.exit(1);
});

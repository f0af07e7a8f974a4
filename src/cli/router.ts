// Router commands of the CLI: train a model, score benchmark rows, evaluate routing.
//
//   singularity train --data FILE.jsonl[:WEIGHT]... [--trees N] [--depth D] [--seed S] --out models/router.onnx
//   singularity route-eval --data FILE.jsonl [--model FILE.onnx]
//   singularity route-score --data FILE.jsonl [--scorer prior|model|heuristic] [--model FILE.onnx] --out PREDS.jsonl
//   singularity route-replay --data FILE.jsonl --out PREDS.jsonl [--retrain-every N] [--seed S] [--shuffle]
//                            [--model FILE.onnx] [--explore E] [--cloud-share S] [--meaning on|off]

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { parseArgs } from 'node:util';
import { benchFeatures, labeledBenchRow, readBenchRows, type BenchRow } from '../core/router/eval/benchData';
import { randomReport, scoreRows, type RoutingReport } from '../core/router/eval/routingMetrics';
import { buildRouterModel } from '../core/router/model/build';
import { toOnnx } from '../core/router/model/onnx';
import { loadRouterModel } from '../core/router/model/runtime';
import { heuristicPCloud } from '../core/router/heuristic';
import { priorPCloud } from '../core/router/prior';
import { shuffled } from '../core/random';
import { FEATURE_SCHEMA } from '../core/router/features';
import { replay } from '../core/router/eval/replay';
import { SentenceEncoder } from '../core/providers/sentenceEncoder';

export class UsageError extends Error {}

/** The model that ships next to the CLI bundle (dist/cli.js -> models/router.onnx). */
export const SHIPPED_MODEL = join(__dirname, '..', 'models', 'router.onnx');

function requireFlag(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required.`);
  return value;
}

async function pCloudOf(rows: readonly BenchRow[], modelPath: string): Promise<number[]> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelPath);
  } catch (err) {
    throw new UsageError(`Cannot read the model ${modelPath}: ${(err as Error).message}`);
  }
  const model = await loadRouterModel(bytes, modelPath);
  try {
    return await model.predict(rows.map(benchFeatures));
  } finally {
    await model.release();
  }
}


export async function runRouteEval(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, model: { type: 'string' } } });
  const data = requireFlag(values.data, '--data');
  const rows = readBenchRows(data);
  const modelPath = values.model ?? SHIPPED_MODEL;
  const reports: [string, RoutingReport][] = [
    ['prior (a new user\'s router)', scoreRows(rows, rows.map((r) => priorPCloud({ question: r.prompt })))],
    [`model (${basename(modelPath)})`, scoreRows(rows, await pCloudOf(rows, modelPath))],
    ['heuristic', scoreRows(rows, rows.map((r) => heuristicPCloud(benchFeatures(r))))],
    ['random (mean of 20 seeds)', randomReport(rows)],
    ['oracle', scoreRows(rows, rows.map((r) => r.cloudScore - r.localScore))],
  ];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  process.stdout.write(`${rows.length} rows of ${data}; mean quality local ${reports[0]![1].meanLocal.toFixed(3)}, cloud ${reports[0]![1].meanCloud.toFixed(3)}\n`);
  process.stdout.write(`${'router'.padEnd(28)} ${'APGR'.padStart(6)} ${'CPT50'.padStart(7)} ${'CPT80'.padStart(7)} ${'CPT95'.padStart(7)} ${'cloud for 95% quality'.padStart(22)}\n`);
  for (const [name, r] of reports) {
    process.stdout.write(`${name.padEnd(28)} ${r.apgr.toFixed(3).padStart(6)} ${pct(r.cpt50).padStart(7)} ${pct(r.cpt80).padStart(7)} ${pct(r.cpt95).padStart(7)} ${pct(r.shareFor95Quality).padStart(22)}\n`);
  }
  return 0;
}

export async function runRouteScore(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, model: { type: 'string' }, scorer: { type: 'string' }, out: { type: 'string' } } });
  const rows = readBenchRows(requireFlag(values.data, '--data'));
  const out = requireFlag(values.out, '--out');
  // By default what routes a new user (the prior); with --model, that model.
  const scorer = values.scorer ?? (values.model ? 'model' : 'prior');
  let p: number[];
  if (scorer === 'prior') p = rows.map((r) => priorPCloud({ question: r.prompt }));
  else if (scorer === 'heuristic') p = rows.map((r) => heuristicPCloud(benchFeatures(r)));
  else if (scorer === 'model') p = await pCloudOf(rows, values.model ?? SHIPPED_MODEL);
  else throw new UsageError(`--scorer is prior, model or heuristic, not "${scorer}".`);
  writeFileSync(out, rows.map((r, i) => `${JSON.stringify({ id: r.id, p_cloud: p[i] })}\n`).join(''));
  process.stdout.write(`Wrote ${rows.length} predictions (${scorer}) to ${out}\n`);
  return 0;
}

/** `FILE[:WEIGHT]`: rows of a file can count more, e.g. general instructions over multiple choice. */
function parseDataArg(arg: string): { file: string; weight: number } {
  const m = /^(.*?)(?::(\d+(?:\.\d+)?))?$/.exec(arg)!;
  return { file: m[1]!, weight: m[2] ? Number(m[2]) : 1 };
}

export async function runTrain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', multiple: true },
      out: { type: 'string' },
      trees: { type: 'string' },
      depth: { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const out = requireFlag(values.out, '--out');
  if (!values.data?.length) throw new UsageError('--data is required.');
  const sources = values.data.map(parseDataArg);
  const rows = sources.flatMap(({ file, weight }) =>
    readBenchRows(file).map((r) => labeledBenchRow(r, weight)),
  );
  const gbdt = { ...(values.trees ? { trees: Number(values.trees) } : {}), ...(values.depth ? { maxDepth: Number(values.depth) } : {}) };
  const started = Date.now();
  const built = await buildRouterModel(rows, {
    trainedOn: sources.map((s) => `${basename(s.file)}${s.weight !== 1 ? ` (weight ${s.weight})` : ''}`).join(', '),
    seed: Number(values.seed),
    gbdt,
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, toOnnx(built.ensemble, built.info));
  const report = { ...built.info, trainMs: Date.now() - started, schema: { version: FEATURE_SCHEMA.version, features: FEATURE_SCHEMA.names } };
  writeFileSync(out.replace(/\.onnx$/, '') + '.report.json', `${JSON.stringify(report, null, 2)}\n`);
  const v = built.validation;
  process.stdout.write(
    `Trained on ${built.info.rows} rows in ${report.trainMs} ms; held-out ${v.rows} rows: accuracy ${v.accuracy.toFixed(3)}, precision ${v.precision.toFixed(3)}, recall ${v.recall.toFixed(3)}, F1 ${v.f1.toFixed(3)}, AUC ${v.auc.toFixed(3)}${v.apgr === undefined ? '' : `, APGR ${v.apgr.toFixed(3)}`}\nWrote ${out}\n`,
  );
  return 0;
}

function numberFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a non-negative number.`);
  return n;
}

export async function runRouteReplay(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      'retrain-every': { type: 'string' },
      seed: { type: 'string' },
      shuffle: { type: 'boolean', default: false },
      explore: { type: 'string' },
      'cloud-share': { type: 'string' },
      meaning: { type: 'string', default: 'on' },
    },
  });
  const data = requireFlag(values.data, '--data');
  const out = requireFlag(values.out, '--out');
  if (values.meaning !== 'on' && values.meaning !== 'off') throw new UsageError('--meaning is on (the default, as the extension learns) or off.');
  const encoder = values.meaning === 'on' ? new SentenceEncoder() : undefined;
  const seed = numberFlag(values.seed, '--seed', 1);
  const rows = values.shuffle ? shuffled(readBenchRows(data), seed) : readBenchRows(data);
  const retrainEvery = numberFlag(values['retrain-every'], '--retrain-every', 50);
  const result = await replay(rows, {
    model: values.model ?? SHIPPED_MODEL,
    retrainEvery,
    seed,
    explore: values.explore === undefined ? undefined : numberFlag(values.explore, '--explore', 0),
    cloudShare: values['cloud-share'] === undefined ? undefined : numberFlag(values['cloud-share'], '--cloud-share', 0),
    ...(encoder ? { encoder } : {}),
  }).finally(() => encoder?.dispose());
  writeFileSync(out, result.predictions.map((p) => `${JSON.stringify(p)}\n`).join(''));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(8);
  process.stdout.write(`Replayed ${rows.length} rows of ${data}${values.shuffle ? ` (shuffled, seed ${seed})` : ''}; retrain every ${retrainEvery || 'never (frozen)'} labelled rows; meaning ${values.meaning}\n`);
  process.stdout.write(`${'window'.padEnd(8)} ${'APGR'.padStart(6)} ${'p>=thr'.padStart(8)} ${'cloud'.padStart(8)} ${'escal.'.padStart(8)} ${'quality'.padStart(8)}  retraining\n`);
  for (const w of result.windows) {
    process.stdout.write(`${String(w.window).padEnd(8)} ${w.apgr.toFixed(3).padStart(6)} ${pct(w.predictedCloudShare)} ${pct(w.routedCloudShare)} ${pct(w.escalatedShare)} ${w.realisedQuality.toFixed(3).padStart(8)}  ${w.retrains.join('; ')}\n`);
  }
  const after = result.windows.slice(4);
  if (after.length > 0) {
    const mean = after.reduce((s, w) => s + w.apgr * w.rows, 0) / after.reduce((s, w) => s + w.rows, 0);
    process.stdout.write(`APGR after the first 400 rows (row-weighted mean of windows 5+): ${mean.toFixed(3)}\n`);
  }
  process.stdout.write(`Wrote ${result.predictions.length} predictions to ${out}\n`);
  return 0;
}

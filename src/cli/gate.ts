// Quality-gate commands of the CLI.
//
//   singularity train-gate --data FILE.jsonl... [--seed S] --out models/gate.json
//   singularity gate-score --data FILE.jsonl [--model FILE.json] [--threshold T] --out PREDS.jsonl

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isJudged, gateTrainingRow, readAnswerRows } from '../core/quality/answerData';
import { judgeAnswer, loadGateModel, trainGateModel, verdictPCloud } from '../core/quality/gate';
import { DEFAULT_QUALITY_SETTINGS } from '../core/quality/settings';
import { UsageError } from './router';

/** The gate that ships next to the CLI bundle (dist/cli.js -> models/gate.json). */
export const SHIPPED_GATE = join(__dirname, '..', 'models', 'gate.json');

export async function runTrainGate(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string', multiple: true }, out: { type: 'string' }, seed: { type: 'string', default: '1' } } });
  if (!values.data?.length) throw new UsageError('--data is required.');
  if (!values.out) throw new UsageError('--out is required.');
  const rows = values.data.flatMap(readAnswerRows);
  const judged = rows.filter(isJudged);
  if (judged.length < rows.length) throw new UsageError(`${rows.length - judged.length} rows have no "local": {"score"} and "cloud": {"score"}: training needs judged answers.`);
  const model = await trainGateModel(judged.map(gateTrainingRow), values.data.map((d) => basename(d)), { seed: Number(values.seed) });
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(model)}\n`);
  process.stdout.write(`Trained the gate on ${judged.length} answers (${model.ensemble.trees.length} trees); wrote ${values.out}\n`);
  return 0;
}

/**
 * p_cloud per row from exactly the extension's gate: 1 when a certain signal (empty, cut off, looping,
 * other language) escalates on its own, else the model's probability that the cloud would do better.
 */
export async function runGateScore(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, threshold: { type: 'string' } } });
  if (!values.data) throw new UsageError('--data is required.');
  if (!values.out) throw new UsageError('--out is required.');
  const threshold = values.threshold === undefined ? DEFAULT_QUALITY_SETTINGS.threshold : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold must be between 0 and 1.');
  const model = loadGateModel(values.model ?? SHIPPED_GATE);
  const rows = readAnswerRows(values.data);
  const verdicts = rows.map((r) => judgeAnswer(model, { question: r.prompt, answer: r.localAnswer }, threshold));
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, rows.map((r, i) => `${JSON.stringify({ id: r.id, p_cloud: verdictPCloud(verdicts[i]!) })}\n`).join(''));
  const escalated = verdicts.filter((v) => !v.pass).length;
  process.stdout.write(`Scored ${rows.length} answers; ${escalated} (${((escalated / Math.max(1, rows.length)) * 100).toFixed(1)}%) below the threshold ${threshold}; wrote ${values.out}\n`);
  return 0;
}

// Does routing improve with use, and do embeddings help? A replayed stream of one user (the extension's router,
// retraining every 50 labels, labels only from what the user reveals) with the personal model on the meaning of
// questions and without, side by side on the same rows: APGR per window of 100 and the row-weighted mean after
// the first 400 (the figure the held-out check uses). Rows: 805 drawn from mmlu_gsm8k (a small and a strong
// model's real outcomes), then arena300 alone. Also the encoder's time per question (p50/p95) and the RSS it
// adds. Prints the figures, writes bench/results/replay-meaning.json.

import { writeFileSync, mkdirSync } from 'node:fs';
import { replay } from '../src/core/router/eval/replay';
import { readBenchRows, type BenchRow } from '../src/core/router/eval/benchData';
import { shuffled } from '../src/core/random';
import { SentenceEncoder } from '../src/core/providers/sentenceEncoder';

const after400 = (windows: { apgr: number; rows: number }[]) => {
  const w = windows.slice(4);
  return w.length ? w.reduce((s, x) => s + x.apgr * x.rows, 0) / w.reduce((s, x) => s + x.rows, 0) : NaN;
};

async function run(name: string, rows: BenchRow[], encoder: SentenceEncoder) {
  const out: Record<string, unknown> = { rows: rows.length };
  for (const meaning of [false, true]) {
    const r = await replay(rows, { model: 'models/router.onnx', retrainEvery: 50, seed: 3, ...(meaning ? { encoder } : {}) });
    const windows = r.windows.map((w) => Number(w.apgr.toFixed(3)));
    out[meaning ? 'withMeaning' : 'withoutMeaning'] = { windows, after400: after400(r.windows) };
    console.log(`${name.padEnd(12)} meaning ${meaning ? 'on ' : 'off'}: APGR per 100 ${windows.join(' ')}; after 400: ${after400(r.windows).toFixed(3)}`);
  }
  return out;
}

async function main() {
  const encoder = new SentenceEncoder();
  const rssBefore = process.memoryUsage().rss;
  await encoder.embed(['warm up']);
  const times: number[] = [];
  for (const q of readBenchRows('../shared/bench/router/arena300.jsonl').slice(0, 60)) {
    const t = performance.now();
    await encoder.embed([q.prompt.slice(0, 2000)]);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const timing = { p50Ms: times[Math.floor(times.length / 2)]!, p95Ms: times[Math.floor(times.length * 0.95)]!, rssAddedMb: (process.memoryUsage().rss - rssBefore) / 1e6 };
  console.log(`encoder: ${timing.p50Ms.toFixed(1)} ms p50, ${timing.p95Ms.toFixed(1)} ms p95 per question (worker thread); RSS added ${timing.rssAddedMb.toFixed(0)} MB (worker included)`);
  const mmlu = shuffled(readBenchRows('../shared/bench/router/mmlu_gsm8k.jsonl'), 9).slice(0, 805);
  const arena = shuffled(readBenchRows('../shared/bench/router/arena300.jsonl'), 9);
  const result = { benchmark: 'replayed stream with and without the meaning of questions', date: new Date().toISOString(), encoder: timing, mmlu805: await run('mmlu_gsm8k', mmlu, encoder), arena300: await run('arena300', arena, encoder) };
  await encoder.dispose();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/replay-meaning.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

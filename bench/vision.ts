// Multimodality, measured. One run, three parts:
//   1. OCR accuracy on screenshots of real code: windows of source files from node_modules rendered by
//      ImageMagick (DejaVu Sans Mono, light and dark editor themes, 14 and 18 px), read by tesseract.js
//      with the English best_int model. Character error rate (whitespace collapsed: OCR loses indentation)
//      and time per image, side by side for the image as it is and as DecodedImage.forOcr prepares it
//      (enlarged, gray, dark themes inverted).
//   2. The vision quality score on a labelled set of answers (how the labels were made: see LABELS below
//      and docs/MULTIMODALITY.md): mean score of good and bad answers, accuracy at the 0.7 threshold,
//      bad answers caught, good answers wrongly sent to the cloud, ROC AUC.
//   3. Tokens saved: cloud image tokens (OpenAI's tile rule) avoided per image answered locally, for the
//      rendered screenshots and common screen sizes; and image preparation time (decode, scale, encode).
//   4. Time to first token of an image question through the pipeline, against an instant vision model on a
//      loopback fake Ollama node, with OCR on: a question that says what it wants ("what causes the error
//      ...": the model is asked while OCR reads) side by side with a bare "explain this screenshot" (its mode
//      follows the image's text, so it waits for OCR, as every image question did before), each with OCR's
//      worker cold (the session's first image) and running.
// Needs ImageMagick and fonts-dejavu-core (apt-get install imagemagick fonts-dejavu-core).
// Writes bench/results/vision.json. BENCH_SCALE=0.5 uses fewer source files for a quick look; BENCH_PART=ttft
// runs part 4 alone and updates its figures in vision.json.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { renderCode, type Theme } from '../test/fixtures/renderCode';
import { DecodedImage, usefulSide } from '../src/core/vision/image';
import { OcrEngine } from '../src/core/vision/ocr';
import { characterErrorRate } from '../src/core/vision/cer';
import { DEFAULT_QUALITY_THRESHOLD, distinctiveWords, scoreVisionAnswer } from '../src/core/vision/quality';
import { cloudImageTokens } from '../src/core/vision/cloudTokens';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startFakeOllama } from '../test/fixtures';
import { createRouting } from '../src/core/app';
import { ask } from '../src/core/pipeline';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { VisionService } from '../src/core/vision/vision';
import { DEFAULT_VISION_SETTINGS } from '../src/core/vision/settings';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LINES = 24;
const MAX_LINE = 88;

/** Real code, as people screenshot it: JavaScript and TypeScript from packages installed here. */
const SOURCES = [
  'node_modules/semver/classes/range.js',
  'node_modules/detect-libc/lib/detect-libc.js',
  'node_modules/tesseract.js/src/createWorker.js',
  'node_modules/openai/src/core/streaming.ts',
  'node_modules/ollama/src/browser.ts',
  'node_modules/bmp-ts/dist/esm/decoder.js',
].slice(0, Math.max(2, Math.round(6 * SCALE)));

const SIZES = [14, 18];
const THEMES: Theme[] = ['light', 'dark'];

/** A window of the file with ordinary line lengths (no minified or generated walls of text), tabs expanded. */
function codeWindow(file: string): string {
  const lines = readFileSync(file, 'utf8').replace(/\t/g, '  ').split('\n');
  for (let start = 20; start + LINES <= lines.length; start++) {
    const window = lines.slice(start, start + LINES);
    if (window.every((l) => l.length <= MAX_LINE) && window.filter((l) => l.trim()).length >= LINES * 0.7) return window.join('\n');
  }
  return lines.slice(0, LINES).map((l) => l.slice(0, MAX_LINE)).join('\n');
}

/** Error screenshots for the labelled set: what a terminal or browser console shows. */
const ERRORS = [
  "TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList (src/components/TodoList.tsx:14:22)\n    at App (src/App.tsx:9:5)",
  "Error: ENOENT: no such file or directory, open '/app/config/settings.json'\n    at Object.openSync (node:fs:596:3)\n    at loadConfig (src/config.js:12:18)",
  "src/api/client.ts:41:7 - error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.\n\n41       fetchUser(userId)\n         ~~~~~~",
  'Traceback (most recent call last):\n  File "train.py", line 88, in <module>\n    model.fit(features, labels)\nValueError: Found input variables with inconsistent numbers of samples: [120, 119]',
  'panic: runtime error: index out of range [5] with length 5\n\ngoroutine 1 [running]:\nmain.parseArgs(...)\n        /src/cmd/main.go:27 +0x1d4',
  "psql: error: connection to server at \"localhost\" (127.0.0.1), port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number, d = 4) => Number(x.toFixed(d));

interface OcrRow {
  source: string;
  theme: Theme;
  px: number;
  width: number;
  height: number;
  cerPrepared: number;
  msPrepared: number;
  cerRaw: number;
  msRaw: number;
}

async function ocrAccuracy(ocr: OcrEngine): Promise<OcrRow[]> {
  const rows: OcrRow[] = [];
  for (const source of SOURCES) {
    const code = codeWindow(source);
    for (const px of SIZES) {
      for (const theme of THEMES) {
        const png = renderCode(code, { px, theme });
        const image = await DecodedImage.decode(png, source);
        // Alternate which variant goes first, so warm-up and drift hit both alike.
        const first = rows.length % 2 === 0;
        const read = async (buffer: Buffer) => {
          const r = await ocr.recognize(buffer);
          return { cer: characterErrorRate(code, r.text), ms: r.ms };
        };
        const prepared = await image.forOcr();
        const a = first ? await read(prepared) : undefined;
        const raw = await read(png);
        const p = a ?? await read(prepared);
        rows.push({ source: source.replace('node_modules/', ''), theme, px, width: image.width, height: image.height, cerPrepared: p.cer, msPrepared: p.ms, cerRaw: raw.cer, msRaw: raw.ms });
        process.stdout.write(`  ${rows.at(-1)!.source} ${theme} ${px}px: CER ${(p.cer * 100).toFixed(2)}% (as is ${(raw.cer * 100).toFixed(2)}%), ${p.ms.toFixed(0)} ms (as is ${raw.ms.toFixed(0)} ms)\n`);
      }
    }
  }
  return rows;
}

/**
 * LABELS. No vision model runs on this machine, so the answers are written, not generated, and labelled
 * by construction: for each screenshot, "good" answers restate what it shows (built from its known source
 * text: the error's name and message, the code's identifiers) in varied wordings; "bad" answers are the
 * failure kinds the score is meant to catch — empty, refusals, generic descriptions that fit any
 * screenshot, a good answer for a *different* screenshot (plausible but wrong), a claim that there is no
 * text, and for errors a different error name. The score sees only the answer and the real OCR output.
 */
interface Labelled {
  image: string;
  kind: string;
  good: boolean;
  answer: string;
}

const REFUSALS = [
  "I'm sorry, but I can't see images. Could you paste the text instead?",
  'As an AI language model, I am unable to view the image you provided.',
  'I cannot analyze this image.',
];
const GENERIC = [
  'The image shows a screenshot of a computer screen with some text on it.',
  'This is a screenshot of code in an editor.',
  'The picture displays lines of text on a dark background.',
  'It looks like a terminal window with some output.',
];

function goodAnswers(text: string, isError: boolean): string[] {
  const words = distinctiveWords(text).filter((w) => w.length >= 5);
  const pick = (n: number, from = 0) => words.slice(from, from + n);
  const original = (w: string) => text.match(new RegExp(`\\b${w}\\b`, 'i'))?.[0] ?? w;
  if (isError) {
    const first = text.split('\n')[0]!;
    return [
      `The error is "${first.slice(0, 90)}". ${pick(2, 2).map(original).join(' and ')} point to where it happens; check that value before using it.`,
      `This stack trace starts with ${first.split(':')[0]}: ${first.slice(first.indexOf(':') + 1, 70).trim()}. Look at ${pick(1, 3).map(original).join('')}.`,
    ];
  }
  return [
    `The code defines ${pick(3).map(original).join(', ')} and uses ${pick(2, 3).map(original).join(' and ')}.`,
    `This snippet works with ${pick(2, 1).map(original).join(' and ')}; ${original(words[5] ?? words[0] ?? 'it')} is called along the way.`,
  ];
}

function labelledSet(shots: { name: string; text: string; isError: boolean }[]): Labelled[] {
  const set: Labelled[] = [];
  shots.forEach((shot, i) => {
    for (const answer of goodAnswers(shot.text, shot.isError)) set.push({ image: shot.name, kind: 'good', good: true, answer });
    set.push({ image: shot.name, kind: 'empty', good: false, answer: '' });
    set.push({ image: shot.name, kind: 'refusal', good: false, answer: REFUSALS[i % REFUSALS.length]! });
    set.push({ image: shot.name, kind: 'generic', good: false, answer: GENERIC[i % GENERIC.length]! });
    const other = shots[(i + 1) % shots.length]!;
    set.push({ image: shot.name, kind: 'other image', good: false, answer: goodAnswers(other.text, other.isError)[0]! });
    set.push({ image: shot.name, kind: 'claims no text', good: false, answer: 'The screenshot is blank; there is no visible text, only an empty editor.' });
    if (shot.isError) {
      set.push({ image: shot.name, kind: 'wrong error', good: false, answer: 'This is a SyntaxError: a bracket is missing in the highlighted line, so the parser stops there.' });
    }
  });
  return set;
}

function rocAuc(scores: { score: number; good: boolean }[]): number {
  const good = scores.filter((s) => s.good).map((s) => s.score);
  const bad = scores.filter((s) => !s.good).map((s) => s.score);
  let wins = 0;
  for (const g of good) for (const b of bad) wins += g > b ? 1 : g === b ? 0.5 : 0;
  return good.length && bad.length ? wins / (good.length * bad.length) : 0;
}

async function qualityScore(ocr: OcrEngine) {
  const shots: { name: string; text: string; isError: boolean; ocr: { text: string; confidence: number } }[] = [];
  const sources = [...SOURCES.map((s) => ({ name: s.replace('node_modules/', ''), text: codeWindow(s), isError: false })), ...ERRORS.map((e, i) => ({ name: `error-${i + 1}`, text: e, isError: true }))];
  for (const [i, s] of sources.entries()) {
    const image = await DecodedImage.decode(renderCode(s.text, { px: 16, theme: i % 2 ? 'dark' : 'light' }), s.name);
    const r = await ocr.recognize(await image.forOcr());
    shots.push({ ...s, ocr: { text: r.text, confidence: r.confidence } });
  }
  const set = labelledSet(shots);
  const scored = set.map((l) => ({ ...l, ...scoreVisionAnswer({ answer: l.answer, ocr: shots.find((s) => s.name === l.image)!.ocr }) }));
  const t = DEFAULT_QUALITY_THRESHOLD;
  const good = scored.filter((s) => s.good);
  const bad = scored.filter((s) => !s.good);
  const byKind = Object.fromEntries(
    [...new Set(scored.map((s) => s.kind))].map((kind) => {
      const rows = scored.filter((s) => s.kind === kind);
      return [kind, { n: rows.length, meanScore: round(mean(rows.map((r) => r.score)), 3), passed: rows.filter((r) => r.score >= t).length }];
    }),
  );
  const misjudged = scored.filter((s) => (s.score >= t) !== s.good).map((s) => ({ image: s.image, kind: s.kind, score: round(s.score, 3), issues: s.issues, answer: s.answer }));
  return {
    threshold: t,
    answers: scored.length,
    goodAnswers: good.length,
    badAnswers: bad.length,
    meanScoreGood: round(mean(good.map((s) => s.score)), 3),
    meanScoreBad: round(mean(bad.map((s) => s.score)), 3),
    accuracy: round(scored.filter((s) => (s.score >= t) === s.good).length / scored.length, 3),
    badCaught: round(bad.filter((s) => s.score < t).length / bad.length, 3),
    goodSentToCloud: round(good.filter((s) => s.score < t).length / good.length, 3),
    rocAuc: round(rocAuc(scored), 3),
    byKind,
    misjudged,
  };
}

async function tokensSaved(ocrRows: OcrRow[]) {
  const screens = [
    [1280, 800],
    [1920, 1080],
    [2560, 1440],
    [3840, 2160],
  ].map(([w, h]) => ({ width: w!, height: h!, cloudImageTokens: cloudImageTokens(w!, h!) }));
  const rendered = ocrRows.map((r) => cloudImageTokens(r.width, r.height));
  // Preparation time for a full-screen screenshot: decode, scale to Moondream's size, re-encode.
  const prepMs: number[] = [];
  const sharp = (await import('sharp')).default;
  const screenshot = await sharp({ create: { width: 2560, height: 1440, channels: 3, background: '#1e1e1e' } })
    .composite([{ input: renderCode(codeWindow(SOURCES[0]!), { px: 14, theme: 'dark' }), top: 80, left: 300 }])
    .png()
    .toBuffer();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const image = await DecodedImage.decode(screenshot, 'screen.png');
    await image.encode(usefulSide('moondream'));
    prepMs.push(performance.now() - t0);
  }
  return {
    rule: 'OpenAI GPT-4o high detail: fit 2048 px, short side 768 px, 85 + 170 per 512 px tile',
    renderedScreenshotsMedian: median(rendered),
    renderedScreenshotsMean: round(mean(rendered), 1),
    screens,
    preparation2560x1440Ms: { median: round(median(prepMs), 1), max: round(Math.max(...prepMs), 1) },
  };
}

const TTFT_ROUNDS = Math.max(3, Math.round(5 * SCALE));
const SAYS_WHAT = 'What causes the error in this screenshot?';
const BARE = 'Explain this screenshot.';

async function imageTtft() {
  const node = await startFakeOllama({ models: ['moondream:latest'], latencyMs: 0, reply: () => 'The TypeError comes from renderList: it calls map on undefined todos.' });
  const config = { nodes: [{ name: 'gpu', baseUrl: node.url, tier: 'local' as const, models: [], maxParallel: 4 }], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY };
  const image = { mimeType: 'image/png', base64: renderCode(ERRORS[0]!, { px: 16, theme: 'dark' }).toString('base64') };
  const ttft = async (ocr: OcrEngine, question: string): Promise<number> => {
    const vision = new VisionService({ settings: () => DEFAULT_VISION_SETTINGS, ocr, log: silentLogger });
    const { deps, nodes } = createRouting({ config, vision, cloudKey: async () => undefined, log: silentLogger });
    await nodes.refresh();
    const t0 = performance.now();
    let first = Number.NaN;
    for await (const e of ask({ id: randomUUID(), question, history: [], context: [], route: 'auto', source: 'panel', images: [image], signal: new AbortController().signal }, deps)) {
      if (e.type === 'token' && Number.isNaN(first)) first = performance.now() - t0;
      if (e.type === 'end' && e.result.outcome !== 'ok') throw new Error(e.result.error);
    }
    return first;
  };
  const samples = { saysWhatCold: [] as number[], bareCold: [] as number[], saysWhatWarm: [] as number[], bareWarm: [] as number[] };
  const running = new OcrEngine();
  try {
    await ttft(running, BARE);
    for (let i = 0; i < TTFT_ROUNDS; i++) {
      // Alternated, so drift in the machine's load hits both alike.
      for (const question of i % 2 ? [BARE, SAYS_WHAT] : [SAYS_WHAT, BARE]) {
        const cold = new OcrEngine();
        const ms = await ttft(cold, question);
        await cold.dispose();
        (question === BARE ? samples.bareCold : samples.saysWhatCold).push(ms);
        (question === BARE ? samples.bareWarm : samples.saysWhatWarm).push(await ttft(running, question));
      }
    }
  } finally {
    await running.dispose();
    await node.close();
  }
  const m = (xs: number[]) => round(median(xs), 0);
  return {
    rounds: TTFT_ROUNDS,
    questions: { saysWhat: SAYS_WHAT, bare: BARE },
    ocrWorkerCold: { saysWhatMedianMs: m(samples.saysWhatCold), bareMedianMs: m(samples.bareCold), ratio: round(median(samples.bareCold) / median(samples.saysWhatCold), 1) },
    ocrWorkerRunning: { saysWhatMedianMs: m(samples.saysWhatWarm), bareMedianMs: m(samples.bareWarm), ratio: round(median(samples.bareWarm) / median(samples.saysWhatWarm), 1) },
    samples: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((x) => round(x, 0))])),
  };
}

function printTtft(t: Awaited<ReturnType<typeof imageTtft>>): void {
  process.stdout.write(
    `\nTime to first token of an image question (instant vision model, ${t.rounds} rounds, medians):\n` +
      `  OCR worker cold   : "${SAYS_WHAT}" ${t.ocrWorkerCold.saysWhatMedianMs} ms; "${BARE}" (waits for OCR) ${t.ocrWorkerCold.bareMedianMs} ms: ${t.ocrWorkerCold.ratio}x\n` +
      `  OCR worker running: "${SAYS_WHAT}" ${t.ocrWorkerRunning.saysWhatMedianMs} ms; "${BARE}" (waits for OCR) ${t.ocrWorkerRunning.bareMedianMs} ms: ${t.ocrWorkerRunning.ratio}x\n`,
  );
}

async function main(): Promise<void> {
  const resultsFile = join('bench', 'results', 'vision.json');
  if (process.env.BENCH_PART === 'ttft') {
    const ttft = await imageTtft();
    printTtft(ttft);
    const previous = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(resultsFile, `${JSON.stringify({ ...previous, ttft: { date: new Date().toISOString(), loadavg: loadavg().map((x) => round(x, 2)), ...ttft } }, null, 2)}\n`);
    return;
  }
  const ocr = new OcrEngine();
  const started = performance.now();
  try {
    process.stdout.write(`OCR on rendered code (${SOURCES.length} files × ${SIZES.length} sizes × ${THEMES.length} themes)\n`);
    const rows = await ocrAccuracy(ocr);
    const group = (pred: (r: OcrRow) => boolean) => {
      const g = rows.filter(pred);
      return {
        images: g.length,
        cerMean: round(mean(g.map((r) => r.cerPrepared))),
        cerMax: round(Math.max(...g.map((r) => r.cerPrepared))),
        msMedian: round(median(g.map((r) => r.msPrepared)), 0),
        cerMeanAsIs: round(mean(g.map((r) => r.cerRaw))),
        msMedianAsIs: round(median(g.map((r) => r.msRaw)), 0),
      };
    };
    const ocrSummary = {
      all: group(() => true),
      ...Object.fromEntries(SIZES.flatMap((px) => THEMES.map((theme) => [`${theme} ${px}px`, group((r) => r.px === px && r.theme === theme)]))),
    };
    process.stdout.write('\nQuality score on the labelled answers\n');
    const quality = await qualityScore(ocr);
    const tokens = await tokensSaved(rows);
    const ttft = await imageTtft();
    const result = {
      date: new Date().toISOString(),
      machine: { platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg().map((x) => round(x, 2)), node: process.version },
      ocr: { engine: 'tesseract.js 7, @tesseract.js-data/eng 4.0.0_best_int, LSTM only', summary: ocrSummary, images: rows.map((r) => ({ ...r, cerPrepared: round(r.cerPrepared), cerRaw: round(r.cerRaw), msPrepared: round(r.msPrepared, 0), msRaw: round(r.msRaw, 0) })) },
      quality,
      tokens,
      ttft,
      seconds: round((performance.now() - started) / 1000, 1),
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);

    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    process.stdout.write('\nOCR, prepared (as is):\n');
    for (const [k, v] of Object.entries(ocrSummary)) {
      process.stdout.write(`  ${k.padEnd(11)} CER mean ${pct(v.cerMean)} max ${pct(v.cerMax)} (as is ${pct(v.cerMeanAsIs)}), median ${v.msMedian} ms/image (as is ${v.msMedianAsIs} ms)\n`);
    }
    process.stdout.write(
      `\nQuality score (threshold ${quality.threshold}): ${quality.answers} answers (${quality.goodAnswers} good, ${quality.badAnswers} bad); ` +
        `mean score good ${quality.meanScoreGood}, bad ${quality.meanScoreBad}; accuracy ${quality.accuracy}; bad caught ${quality.badCaught}; ` +
        `good sent to the cloud ${quality.goodSentToCloud}; ROC AUC ${quality.rocAuc}\n`,
    );
    for (const [kind, v] of Object.entries(quality.byKind)) process.stdout.write(`  ${kind.padEnd(15)} n=${v.n} mean ${v.meanScore} passed ${v.passed}\n`);
    process.stdout.write(
      `\nCloud image tokens avoided per image answered locally: rendered screenshots median ${tokens.renderedScreenshotsMedian}; ` +
        tokens.screens.map((s) => `${s.width}×${s.height}: ${s.cloudImageTokens}`).join(', ') +
        `\nPreparing a 2560×1440 screenshot for Moondream: median ${tokens.preparation2560x1440Ms.median} ms\n` +
        `Wrote bench/results/vision.json (${result.seconds} s)\n`,
    );
    printTtft(ttft);
  } finally {
    await ocr.dispose();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});

// Resident memory of the extension's parts, in one process, step by step: a bare Node process with the
// modules imported (the baseline), then the store opened, the router's ONNX model and the gate loaded (the
// warm-up), a screenshot read by OCR, the OCR worker ended after its idle time (ocr.ts), and on top the
// sentence encoder (the router's meaning of questions, a worker of its own) and its idle end. RSS after a full GC at each
// step (node --expose-gc), minus the baseline. Writes bench/results/memory.json.
// Run: node --expose-gc --import tsx bench/memory.ts

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../src/core/app';
import { Store } from '../src/core/store/db';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { DEFAULT_ROUTER_SETTINGS } from '../src/core/router/settings';
import { DEFAULT_QUALITY_SETTINGS } from '../src/core/quality/settings';
import { DEFAULT_CONTEXT_SETTINGS } from '../src/core/context/settings';
import { DEFAULT_VISION_SETTINGS } from '../src/core/vision/settings';
import { OcrEngine } from '../src/core/vision/ocr';
import { DecodedImage } from '../src/core/vision/image';
import { SentenceEncoder } from '../src/core/providers/sentenceEncoder';
import { renderCode } from '../test/fixtures/renderCode';

const TARGET_MB = 150;
/** The OCR worker's idle time here (a minute in the editor): long enough to measure it running first. */
const IDLE_MS = 1_000;

const gc = (globalThis as { gc?: () => void }).gc;

async function rssMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
}

async function main(): Promise<void> {
  if (!gc) throw new Error('Run with node --expose-gc (see the header).');
  const steps: { step: string; rssMb: number; overBaselineMb: number }[] = [];
  let baseline = 0;
  const mark = async (step: string) => {
    const rss = await rssMb();
    if (steps.length === 0) baseline = rss;
    steps.push({ step, rssMb: rss, overBaselineMb: Math.round((rss - baseline) * 10) / 10 });
    process.stdout.write(`  ${step.padEnd(52)} RSS ${rss.toFixed(1)} MB (+${(rss - baseline).toFixed(1)})\n`);
  };
  await mark('modules imported (baseline)');
  const { store } = await Store.open();
  await mark('store open');
  const services = createServices({
    store,
    routerModels: { shipped: join('models', 'router.onnx') },
    gateModelPath: join('models', 'gate.json'),
    settings: { router: () => ({ ...DEFAULT_ROUTER_SETTINGS, learnMeaning: false, retrainEvery: 0 }), quality: () => DEFAULT_QUALITY_SETTINGS, context: () => DEFAULT_CONTEXT_SETTINGS, vision: () => DEFAULT_VISION_SETTINGS },
    cloudKey: async () => undefined,
    log: silentLogger,
  });
  // No node or cloud here: the router model is loaded as the warm-up loads it when a request could be scored.
  const routing = services.routing({ nodes: [], cloudProviders: [], defaultModels: DEFAULT_MODELS, balancer: DEFAULT_BALANCER, privacy: DEFAULT_PRIVACY });
  await services.warmUp(routing, { delayMs: 0 });
  await services.router.warmUp();
  await mark('router model and gate loaded (warm-up)');
  let ended: () => void = () => {};
  const idleEnd = new Promise<void>((resolve) => (ended = resolve));
  const ocr = new OcrEngine({ ...silentLogger, debug: (m) => void (m.startsWith('OCR worker ended') && ended()) }, IDLE_MS);
  const png = await (await DecodedImage.decode(renderCode("TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList (src/components/TodoList.tsx:14:22)", { px: 16, theme: 'dark' }), 'shot.png')).forOcr();
  await ocr.recognize(png);
  const withOcr = await rssMb();
  await mark('a screenshot read by OCR (its worker running)');
  await idleEnd;
  await mark('OCR worker ended after its idle time');
  const encoder = new SentenceEncoder(IDLE_MS);
  await encoder.embed(['How do I reverse a list in Python?']);
  await mark('sentence encoder started (learnMeaning)');
  while (encoder.running) await new Promise((resolve) => setTimeout(resolve, 50));
  await mark('sentence encoder ended after its idle time');
  await encoder.dispose();
  await services.dispose();
  await store.close();

  const loaded = Math.round((withOcr - baseline) * 10) / 10;
  const afterIdle = steps.find((s) => s.step.startsWith('OCR worker ended'))!.overBaselineMb;
  process.stdout.write(`store, router model and OCR loaded: +${loaded} MB over the baseline (target +${TARGET_MB}); after OCR's idle end +${afterIdle} MB\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/memory.json',
    `${JSON.stringify({ benchmark: 'resident memory of the parts over a bare process with the modules imported', date: new Date().toISOString(), targetMb: TARGET_MB, loadedMb: loaded, afterOcrIdleEndMb: afterIdle, steps, loadAverage: loadavg(), cores: cpus().length, node: process.version }, null, 2)}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Local OCR with tesseract.js (Tesseract compiled to WebAssembly, in a worker thread) and the English
// model from @tesseract.js-data/eng, read from disk: nothing is downloaded, nothing is cached to the
// working directory. One worker is kept while in use and ended after a quiet minute (it holds ~100 MB).
// Lines read with low confidence are read a second time on their own (ocrLines.ts).

import { IdleEnd } from '../idleEnd';
import { dirname, join } from 'node:path';
import type { Page, RecognizeOptions, Worker, WorkerParams } from 'tesseract.js';
import type { Logger } from '../log';
import { betterReading, CROP_MARGINS, DOUBTFUL_LINE, lineCrop, replaceLines, type Reading, type Rectangle } from './ocrLines';

export interface OcrResult {
  text: string;
  /** Tesseract's mean word confidence, 0-100. */
  confidence: number;
  ms: number;
}

/** A worker unused this long is ended: it holds ~100 MB, and the next image starts one again (~1 s). */
export const OCR_IDLE_MS = 60_000;

interface Started {
  worker: Worker;
  rawLine: WorkerParams['tessedit_pageseg_mode'];
}

export class OcrEngine {
  private worker: Promise<Started> | undefined;
  private readonly idle: IdleEnd;

  constructor(
    private readonly log?: Logger,
    idleMs = OCR_IDLE_MS,
  ) {
    this.idle = new IdleEnd(idleMs, () => {
      if (this.worker) void this.dispose().then(() => this.log?.debug(`OCR worker ended after ${idleMs / 1000} s unused; the next image starts it again`));
    });
  }

  /** A worker is started (or starting) and holds its memory. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Reads the text of a prepared image (DecodedImage.forOcr, a PNG). A Stop ends the worker; the next call starts a new one. */
  async recognize(png: Buffer, signal?: AbortSignal): Promise<OcrResult> {
    if (signal?.aborted) throw abortError();
    const started = performance.now();
    return this.idle.use(async () => {
      const { worker, rawLine } = await this.start();
      const read = async (options: Partial<RecognizeOptions & WorkerParams>) => {
        const job = worker.recognize(png, options, { text: true, blocks: true });
        return (signal ? await untilAborted(job, signal, () => this.dispose()) : await job).data;
      };
      const size = pngSize(png);
      const page = await read({});
      const { text, confidence } = await rereadDoubtfulLines(page, size, (rectangle) => read({ rectangle, tessedit_pageseg_mode: rawLine }));
      return { text: text.trim(), confidence, ms: performance.now() - started };
    });
  }

  async dispose(): Promise<void> {
    this.idle.cancel();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.then((w) => w.worker.terminate()).catch(() => undefined);
  }

  private start(): Promise<Started> {
    this.worker ??= (async () => {
      const [{ createWorker, OEM, PSM }, eng] = await Promise.all([import('tesseract.js'), import('@tesseract.js-data/eng')]);
      const data = (eng as { default?: { langPath: string } }).default ?? (eng as unknown as { langPath: string });
      // The package's default points at its larger 4.0.0 model; the LSTM-only best_int beside it reads the same
      // (identical text on our rendered code) from a quarter of the size.
      const langPath = join(dirname(data.langPath), '4.0.0_best_int');
      const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
      // Screenshots carry no print resolution; Tesseract would warn on stderr for each and then use 70 dpi anyway.
      await worker.setParameters({ user_defined_dpi: '70' });
      this.log?.debug(`OCR worker started (tesseract.js, ${langPath})`);
      return { worker, rawLine: PSM.RAW_LINE };
    })().catch((err: Error) => {
      this.worker = undefined;
      throw new Error(`Local OCR could not start (tesseract.js): ${err.message}`);
    });
    return this.worker;
  }
}

/**
 * The page's text with each line below DOUBTFUL_LINE read again by `readCrop` on crops of CROP_MARGINS
 * (stopping at the first confident one) and replaced by the most confident reading; confidence is the
 * mean over the words kept.
 */
async function rereadDoubtfulLines(page: Page, size: { width: number; height: number }, readCrop: (r: Rectangle) => Promise<Page>): Promise<{ text: string; confidence: number }> {
  const lines = (page.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines));
  const readings: { from: string; to: string }[] = [];
  const words: number[] = [];
  for (const line of lines) {
    let kept: Reading = { text: line.text, confidence: line.confidence, words: line.words.map((w) => w.confidence) };
    for (const margin of CROP_MARGINS) {
      if (kept.confidence >= DOUBTFUL_LINE) break;
      const again = await readCrop(lineCrop(line.bbox, margin, size.width, size.height));
      const againWords = (again.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words.map((w) => w.confidence))));
      kept = betterReading(kept, { text: again.text, confidence: again.confidence, words: againWords });
    }
    readings.push({ from: line.text.trim(), to: kept.text.trim() });
    words.push(...kept.words);
  }
  const confidence = words.length ? words.reduce((a, b) => a + b, 0) / words.length : page.confidence;
  return { text: replaceLines(page.text, readings), confidence };
}

/** Width and height from a PNG's header (lines are cropped inside them). */
function pngSize(image: Buffer): { width: number; height: number } {
  if (image.length < 24 || image.readUInt32BE(0) !== 0x89504e47 || image.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('OCR reads PNG images: prepare the image with DecodedImage.forOcr first.');
  }
  return { width: image.readUInt32BE(16), height: image.readUInt32BE(20) };
}

function abortError(): Error {
  return Object.assign(new Error('OCR was cancelled.'), { name: 'AbortError' });
}

function untilAborted<T>(job: Promise<T>, signal: AbortSignal, onAbort: () => Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      void onAbort();
      reject(abortError());
    };
    signal.addEventListener('abort', abort, { once: true });
    job.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

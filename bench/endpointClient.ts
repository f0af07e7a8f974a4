// An API client at an agent's pace, in its own process so its clock is not the host's: the host's event-loop
// stalls show up in what it measures, as they would for a real agent. Used by bench/storeStall.ts.
//
//   node --import tsx bench/endpointClient.ts BASE_URL KEY COUNT INTERVAL_MS
//
// Sends COUNT streaming chat requests (model singularity/auto) with the openai SDK, the k-th no earlier than
// k × INTERVAL_MS after the first (one at a time, like an agent waiting for each answer), and prints one JSON
// line: {"ttftMs": [...], "totalMs": [...], "errors": N}. Time to first token is from the call to the first
// content chunk.

import OpenAI from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTO_MODEL } from '../src/core/proxy/models';

const QUESTIONS = ['how do I sort a list in python', 'what does git rebase do', 'write a bash loop over all files in a folder', 'explain what a closure is'];

async function main(): Promise<void> {
  const [baseURL, apiKey, countArg, intervalArg] = process.argv.slice(2);
  const count = Number(countArg);
  const interval = Number(intervalArg);
  if (!baseURL || !apiKey || !(count > 0) || !(interval >= 0)) {
    process.stderr.write('usage: endpointClient.ts BASE_URL KEY COUNT INTERVAL_MS\n');
    process.exit(2);
  }
  const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const ttftMs: number[] = [];
  const totalMs: number[] = [];
  let errors = 0;
  const start = performance.now();
  for (let k = 0; k < count; k++) {
    const due = start + k * interval - performance.now();
    if (due > 0) await sleep(due);
    const t0 = performance.now();
    try {
      const stream = await openai.chat.completions.create({ model: AUTO_MODEL, messages: [{ role: 'user', content: QUESTIONS[k % QUESTIONS.length]! }], stream: true });
      let first = NaN;
      for await (const chunk of stream) if (Number.isNaN(first) && chunk.choices[0]?.delta?.content) first = performance.now() - t0;
      if (Number.isNaN(first)) errors++;
      else ttftMs.push(first);
      totalMs.push(performance.now() - t0);
    } catch {
      errors++;
    }
  }
  process.stdout.write(`${JSON.stringify({ ttftMs, totalMs, errors })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`endpointClient failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

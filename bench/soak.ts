// Soak run (issue "Reliability"): 1,000 requests through the real pipeline against three fixture
// Ollama nodes and a fixture OpenAI cloud on loopback, ~70% chat-style ask() calls (some stopped at a
// random moment), ~30% inside runBatch calls of 10 items, 12 in flight, with seeded fault injection
// (http500, http429, hang, dropMidStream, malformedLine, slowDrip) and one node killed at 40%.
// Counts how every request ended and whether any was LOST; measures heap growth.
// Run: node --expose-gc --import tsx bench/soak.ts   (SOAK_REQUESTS=200 SOAK_SEED=7 to vary)
// Writes bench/results/soak.json. The logic lives in bench/soakRun.ts (shared with the integration test).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runSoak } from './soakRun';

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 1000);
const SEED = Number(process.env.SOAK_SEED ?? 20261124);

async function main() {
  let lastShown = 0;
  const r = await runSoak({
    requests: REQUESTS,
    seed: SEED,
    onProgress: (done, total) => {
      if (done - lastShown >= total / 10 || done === total) {
        lastShown = done;
        process.stderr.write(`  ${done}/${total}\n`);
      }
    },
  });

  const row = (label: string, value: string | number) => console.log(`${label.padEnd(34)} ${value}`);
  console.log(`\nSoak: ${r.requests} requests, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s, ${cpus().length} cores, Node ${process.version}`);
  console.log(`${''.padEnd(34)} ${'total'.padStart(7)} ${'chat'.padStart(7)} ${'batch'.padStart(7)} ${'proxy'.padStart(7)}`);
  for (const k of ['attempted', 'ok', 'cleanErrors', 'cancelled', 'errorsWithoutMessage'] as const) {
    console.log(`${k.padEnd(34)} ${String(r.total[k]).padStart(7)} ${String(r.chat[k]).padStart(7)} ${String(r.batch[k]).padStart(7)} ${String(r.proxy[k]).padStart(7)}`);
  }
  row('endpoint streamed / abandoned by the client', `${r.proxy.streamed} / ${r.proxy.abandoned}`);
  row('chat stopped (Stop) / timed out', `${r.chat.stopped} / ${r.chat.timedOut}`);
  row('batches / items timed out / retried', `${r.batch.batches} / ${r.batch.timeouts} / ${r.batch.retried}`);
  row('LOST', r.lost);
  row('unhandled rejections', r.unhandledRejections);
  row('faults injected (failNext)', Object.entries(r.faultsInjected).map(([k, n]) => `${k} ${n}`).join(', '));
  row('fault windows (setOptions)', r.faultWindows.join('; '));
  row('node killed at 40%', r.killedNode ?? 'none');
  row('chat calls received per server', Object.entries(r.serverChats).map(([k, n]) => `${k} ${n}`).join(', '));
  row('requests rows (total = expected)', `${r.rows.total} = ${r.rows.expected} (chat ${r.rows.chat}, batch ${r.rows.batch}, endpoint ${r.rows.proxy}, warm-up ${r.rows.warmup})`);
  row('missing ids / outcome mismatches', `${r.rows.missingChatIds} / ${r.rows.outcomeMismatches}`);
  row(
    'heap used before -> after (gc)',
    `${r.heap.beforeMB.toFixed(1)} -> ${r.heap.afterMB.toFixed(1)} MB, growth ${r.heap.growthMB.toFixed(1)} MB${r.heap.gcAvailable ? '' : ' (no --expose-gc: not comparable)'}`,
  );
  row('external before -> after', `${r.heap.externalBeforeMB.toFixed(1)} -> ${r.heap.externalAfterMB.toFixed(1)} MB`);
  if (r.problems.length > 0) {
    console.log('\nProblems:');
    for (const p of r.problems) console.log(`- ${p}`);
  }

  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/soak.json',
    `${JSON.stringify({ benchmark: 'soak', date: new Date().toISOString(), cores: cpus().length, node: process.version, ...r }, null, 2)}\n`,
  );
  if (r.lost > 0 || r.unhandledRejections > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

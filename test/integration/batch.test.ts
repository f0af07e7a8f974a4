// runBatch against loopback Ollama fixtures: order, real parallelism, whole-item retries,
// cancellation, timeouts, coalescing of identical items.
import { describe, expect, it } from 'vitest';
import { poolCapacity, runBatch, type BatchItem, type BatchProgress } from '../../src/core/batch/parallel';
import { chats, nodeOf, ollama, setup as setupRouting } from './support';
import type { NodeConfig } from '../../src/core/types';

const setup = (nodes: NodeConfig[]) => setupRouting({ nodes }, { cloudKey: '' });

const items = (n: number): BatchItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `item-${i}`,
    title: `file${i}.ts`,
    question: 'Explain what this file does, its main parts and how they fit together.',
    context: [{ kind: 'file', path: `file${i}.ts`, language: 'typescript', text: `export const value${i} = ${i};\n` }],
    category: 'explainFiles',
  }));

/** The reply names the file it was asked about, so each result can be matched to its item. */
const replyNaming = (words: number) => (req: { messages: { role: string; content: string }[] }) => {
  const file = /File (file\d+\.ts)/.exec(req.messages.at(-1)!.content)?.[1] ?? 'unknown';
  return [`About ${file}:`, ...Array.from({ length: words - 2 }, (_, i) => `w${i}`)].join(' ');
};

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const never = new AbortController().signal;

describe('runBatch', () => {
  it('returns one result per item in input order, with progress for each', async () => {
    const a = await ollama({ reply: replyNaming(6) });
    const b = await ollama({ reply: replyNaming(6) });
    const { deps } = await setup([nodeOf(a, 'alpha'), nodeOf(b, 'beta')]);
    const progress: BatchProgress[] = [];
    const results = await runBatch(items(7), deps, { concurrency: poolCapacity(deps), signal: never, onItem: (p) => progress.push(p) });
    expect(results.map((r) => r.item.id)).toEqual(items(7).map((i) => i.id));
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ outcome: 'ok', attempts: 1, meta: { route: 'local', model: 'llama3.2:latest' } });
      expect(r.text).toMatch(new RegExp(`^About file${i}\\.ts:`));
      expect(['alpha', 'beta']).toContain(r.meta!.node);
    }
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.every((p) => p.total === 7)).toBe(true);
    expect(new Set(progress.map((p) => p.index)).size).toBe(7);
    expect(chats(a).length + chats(b).length).toBe(7);
  });

  it('really runs in parallel: 8 items on 2 nodes × maxParallel 2 take a fraction of the sequential time', async () => {
    const tokensPerSecond = 100;
    const words = 40; // 0.4 s per answer at 100 tokens/s
    const a = await ollama({ tokensPerSecond, reply: replyNaming(words) });
    const b = await ollama({ tokensPerSecond, reply: replyNaming(words) });
    const { deps } = await setup([nodeOf(a, 'alpha', { maxParallel: 2 }), nodeOf(b, 'beta', { maxParallel: 2 })]);
    expect(poolCapacity(deps)).toBe(4);

    const started = performance.now();
    const results = await runBatch(items(8), deps, { concurrency: poolCapacity(deps), signal: never });
    const wallMs = performance.now() - started;

    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    const sequentialMs = (8 * words * 1000) / tokensPerSecond; // what one-at-a-time streaming would take at the fixture's pace
    const itemSumMs = results.reduce((n, r) => n + r.totalMs, 0); // the same, measured
    const ratio = wallMs / sequentialMs;
    console.log(
      `[batch] 8 items, ${words} tokens each at ${tokensPerSecond} tok/s on 2 nodes × 2 slots: wall ${Math.round(wallMs)} ms, ` +
        `sequential ${sequentialMs} ms (sum of item times ${Math.round(itemSumMs)} ms), wall/sequential ${ratio.toFixed(2)}, ` +
        `speedup ×${(itemSumMs / wallMs).toFixed(2)}; per node: alpha ${chats(a).length}, beta ${chats(b).length}`,
    );
    // Ideal is 0.25 (4 at a time); 0.5 would mean only 2 ran at once.
    expect(ratio).toBeLessThan(0.4);
    expect(itemSumMs / wallMs).toBeGreaterThan(2.5);
  });

  it('retries an item cut off mid-stream as a whole, and it succeeds', async () => {
    const node = await ollama({ reply: replyNaming(12) });
    const { deps, store } = await setup([nodeOf(node, 'alpha')]);
    node.failNext({ kind: 'dropMidStream', afterTokens: 3 });
    const [result] = await runBatch(items(1), deps, { concurrency: 1, signal: never });
    expect(result).toMatchObject({ outcome: 'ok', attempts: 2, meta: { node: 'alpha' } });
    expect(result!.text).toBe(replyNaming(12)({ messages: [{ role: 'user', content: 'File file0.ts' }] }));
    expect(chats(node)).toHaveLength(2);
    expect(await store.query('SELECT outcome, source, category FROM requests ORDER BY created_at')).toEqual([
      { outcome: 'error', source: 'command', category: 'explainFiles' },
      { outcome: 'ok', source: 'command', category: 'explainFiles' },
    ]);
  });

  it('retries an item that failed before any token, and gives up after retryWhole retries', async () => {
    const node = await ollama({ reply: replyNaming(5) });
    const { deps } = await setup([nodeOf(node, 'alpha')]);
    node.failNext({ kind: 'http500' });
    const [retried] = await runBatch(items(1), deps, { concurrency: 1, signal: never });
    expect(retried).toMatchObject({ outcome: 'ok', attempts: 2 });

    node.failNext({ kind: 'dropMidStream', afterTokens: 2 });
    const [cut] = await runBatch(items(1), deps, { concurrency: 1, signal: never, retryWhole: 0 });
    expect(cut).toMatchObject({ outcome: 'error', attempts: 1, error: expect.stringMatching(/cut off/) });
    expect(cut!.text.length).toBeGreaterThan(0);
  });

  it('cancelling the batch stops the items in flight (the fixtures see disconnects) and marks the rest cancelled', async () => {
    const slow = { tokensPerSecond: 10, reply: () => 'word '.repeat(200) };
    const a = await ollama(slow);
    const b = await ollama(slow);
    const { deps } = await setup([nodeOf(a, 'alpha'), nodeOf(b, 'beta')]);
    const controller = new AbortController();
    const running = runBatch(items(6), deps, { concurrency: poolCapacity(deps), signal: controller.signal });
    await until(() => chats(a).length + chats(b).length === 4);
    controller.abort();
    const results = await running;

    expect(results.map((r) => r.item.id)).toEqual(items(6).map((i) => i.id));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('cancelled'));
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1, 1, 0, 0]);
    await until(() => [...chats(a), ...chats(b)].every((r) => r.aborted));
    expect(chats(a).length + chats(b).length).toBe(4);
  });

  it('times an item out, closes its stream, and lets the other items finish', async () => {
    const node = await ollama({ reply: replyNaming(5) });
    const { deps } = await setup([nodeOf(node, 'alpha')]);
    node.failNext({ kind: 'hang' });
    const disconnected = node.nextDisconnect();
    const results = await runBatch(items(2), deps, { concurrency: 2, signal: never, timeoutMs: 300 });
    expect(results[0]).toMatchObject({ outcome: 'timeout', attempts: 1, error: 'No answer within 0.3 s.' });
    expect(results[0]!.totalMs).toBeGreaterThanOrEqual(290);
    expect(results[0]!.totalMs).toBeLessThan(2_000);
    expect(results[1]).toMatchObject({ outcome: 'ok', attempts: 1 });
    expect((await disconnected).aborted).toBe(true);
  });

  it('coalesces identical items in flight into one call', async () => {
    const node = await ollama({ tokensPerSecond: 200, reply: () => 'one shared answer for everyone' });
    const { deps } = await setup([nodeOf(node, 'alpha', { maxParallel: 4 })]);
    const same = items(1)[0]!;
    const results = await runBatch([same, { ...same, id: 'copy-1' }, { ...same, id: 'copy-2' }], deps, { concurrency: 3, signal: never });
    expect(results.map((r) => [r.item.id, r.outcome, r.text])).toEqual([
      ['item-0', 'ok', 'one shared answer for everyone'],
      ['copy-1', 'ok', 'one shared answer for everyone'],
      ['copy-2', 'ok', 'one shared answer for everyone'],
    ]);
    expect(chats(node)).toHaveLength(1);
  });

  it('poolCapacity sums maxParallel over healthy nodes only, at least 1', async () => {
    const up = await ollama();
    const { deps } = await setup([nodeOf(up, 'alpha', { maxParallel: 3 }), { name: 'dead', baseUrl: 'http://127.0.0.1:9', tier: 'lan', models: [], maxParallel: 5 }]);
    expect(poolCapacity(deps)).toBe(3);
    const empty = await setup([]);
    expect(poolCapacity(empty.deps)).toBe(1);
  });
});

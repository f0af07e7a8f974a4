import { describe, expect, it } from 'vitest';
import type { FakeServer } from '../fixtures';
import { ask } from '../../src/core/pipeline';
import { chats, cloud, cloudOf, input, nodeOf, ollama, result, setup } from './support';

/** A reply function that records how many chat requests the node was running when each one arrived. */
function concurrencyProbe(server: () => FakeServer) {
  const seen: number[] = [];
  return {
    seen,
    reply: () => {
      seen.push(chats(server()).filter((r) => !r.completed && !r.aborted).length);
      return 'one two three four five six seven eight';
    },
  };
}

describe('node pool', () => {
  it('spreads concurrent requests over every node that has the model', async () => {
    const a = await ollama({ tokensPerSecond: 100 });
    const b = await ollama({ tokensPerSecond: 100 });
    const { deps } = await setup({ nodes: [nodeOf(a, 'a'), nodeOf(b, 'b', { maxParallel: 2, tier: 'lan' })] });
    const results = await Promise.all(Array.from({ length: 8 }, () => result(ask(input(), deps))));
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    expect(chats(a).length).toBeGreaterThan(0);
    expect(chats(b).length).toBeGreaterThan(0);
    expect(chats(a).length + chats(b).length).toBe(8);
  });

  it('never runs more requests on a node than its maxParallel; the rest queue', async () => {
    let server: FakeServer;
    const probe = concurrencyProbe(() => server);
    server = await ollama({ tokensPerSecond: 200, reply: probe.reply });
    const { deps } = await setup({ nodes: [nodeOf(server, 'only', { maxParallel: 2 })] });
    const results = await Promise.all(Array.from({ length: 6 }, () => result(ask(input(), deps))));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('ok'));
    expect(Math.max(...probe.seen)).toBeLessThanOrEqual(2);
    expect(probe.seen).toHaveLength(6);
  });

  it('never sends a request to a node without the model', async () => {
    const withModel = await ollama();
    const without = await ollama({ models: ['mistral:latest'] });
    const { deps } = await setup({ nodes: [nodeOf(withModel, 'has'), nodeOf(without, 'lacks')] });
    await Promise.all(Array.from({ length: 4 }, () => result(ask(input(), deps))));
    expect(chats(without)).toHaveLength(0);
    expect(chats(withModel)).toHaveLength(4);
  });

  it('skips a node that is down at start', async () => {
    const up = await ollama();
    const { deps } = await setup({ nodes: [{ name: 'down', baseUrl: 'http://127.0.0.1:9', tier: 'local', models: [], maxParallel: 2 }, nodeOf(up, 'up', { maxParallel: 2, tier: 'lan' })] });
    const r = await result(ask(input(), deps));
    expect(r).toMatchObject({ outcome: 'ok', meta: { node: 'up', route: 'lan' } });
  });

  it('sends more work to a fast node than to a slow one once it has measured them', async () => {
    const reply = () => 'one two three four five six seven eight nine ten';
    const fast = await ollama({ tokensPerSecond: 400, reply });
    const slow = await ollama({ tokensPerSecond: 25, latencyMs: 60, reply });
    const { deps } = await setup({ nodes: [nodeOf(fast, 'fast', { maxParallel: 1 }), nodeOf(slow, 'slow', { maxParallel: 1 })] });
    for (let i = 0; i < 4; i++) await result(ask(input(), deps));
    await Promise.all(Array.from({ length: 12 }, () => result(ask(input(), deps))));
    expect(chats(fast).length).toBeGreaterThan(chats(slow).length * 2);
  });

  it('retries on another node when one fails before its first token, and the user sees one answer', async () => {
    const flaky = await ollama();
    const good = await ollama({ reply: () => 'steady answer' });
    const { deps } = await setup({ nodes: [nodeOf(flaky, 'flaky'), nodeOf(good, 'good')] }, { balancer: { strategy: 'round-robin' } });
    flaky.setOptions({ fault: { kind: 'http500' } });
    const results = await Promise.all(Array.from({ length: 4 }, () => result(ask(input(), deps))));
    expect(results.map((r) => r.text)).toEqual(Array(4).fill('steady answer'));
  });

  it('cools a node down after repeated failures and stops sending it requests', async () => {
    const flaky = await ollama();
    const good = await ollama();
    const { deps, pool } = await setup({ nodes: [nodeOf(flaky, 'flaky'), nodeOf(good, 'good')] }, { balancer: { strategy: 'round-robin', failureThreshold: 2, cooldownMs: 60_000 } });
    flaky.setOptions({ fault: { kind: 'http500' } });
    for (let i = 0; i < 8; i++) await result(ask(input(), deps));
    expect(chats(flaky)).toHaveLength(2);
    expect(pool.load().find((n) => n.name === 'flaky')!.breaker).toMatch(/cooling down/);
  });

  it('ends with a clear error naming every failure when all nodes are down and no cloud is allowed', async () => {
    const a = await ollama();
    const b = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(a, 'a'), nodeOf(b, 'b')] });
    a.setOptions({ fault: { kind: 'http500' } });
    b.setOptions({ fault: { kind: 'http500' } });
    const r = await result(ask(input(), deps));
    expect(r.outcome).toBe('error');
    expect(r.error).toMatch(/Every target failed/);
    expect(r.error).toMatch(/"a"/);
    expect(r.error).toMatch(/"b"/);
  });

  it('falls back to the cloud when every node fails', async () => {
    const a = await ollama();
    a.setOptions({ fault: { kind: 'http500' } });
    const api = await cloud({ reply: () => 'cloud saves the day' });
    const { deps } = await setup({ nodes: [nodeOf(a, 'a')], cloudProviders: [cloudOf(api)] });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'cloud saves the day', meta: { route: 'cloud' } });
  });

  it('retries a cloud 429 after its Retry-After and answers', async () => {
    const api = await cloud({ reply: () => 'after the wait' });
    api.failNext({ kind: 'http429', retryAfterSeconds: 0 });
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'after the wait' });
    expect(api.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('cancels a request still waiting in a node queue without sending it', async () => {
    const slow = await ollama({ tokensPerSecond: 20, reply: () => 'word '.repeat(100) });
    const { deps } = await setup({ nodes: [nodeOf(slow, 'slow', { maxParallel: 1 })] });
    const running = new AbortController();
    const first = result(ask(input({ signal: running.signal }), deps));
    await slow.nextRequest();
    const queued = new AbortController();
    const second = result(ask(input({ signal: queued.signal }), deps));
    queued.abort();
    expect((await second).outcome).toBe('cancelled');
    running.abort();
    await first;
    expect(chats(slow)).toHaveLength(1);
  });
});

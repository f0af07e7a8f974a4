import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startFakeOllama, startFakeOpenAI, type FakeServer, type FakeServerOptions } from '../fixtures';
import { createRouting } from '../../src/core/app';
import { ask, type AskEvent, type AskInput, type AskResult } from '../../src/core/pipeline';
import { Store } from '../../src/core/store/db';
import { Requests } from '../../src/core/store/requests';
import { silentLogger } from '../../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../../src/core/config';
import type { BalancerConfig, NodeConfig, SingularityConfig } from '../../src/core/types';

const servers: FakeServer[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function ollama(opts: FakeServerOptions = {}) {
  const s = await startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: 5000, ...opts });
  servers.push(s);
  return s;
}
/** Chat requests a fixture received (its health probes are recorded too). */
const chats = (s: FakeServer) => s.requests.filter((r) => r.path === '/api/chat');

const nodeOf = (s: FakeServer, name: string, maxParallel = 2, tier: NodeConfig['tier'] = 'local'): NodeConfig => ({
  name,
  baseUrl: s.url,
  tier,
  models: [],
  maxParallel,
});

async function setup(config: Partial<SingularityConfig>, balancer: Partial<BalancerConfig> = {}) {
  const { store } = await Store.open();
  stores.push(store);
  const routing = createRouting({
    config: { nodes: [], cloudProviders: [], defaultModels: DEFAULT_MODELS, ...config, balancer: { ...DEFAULT_BALANCER, ...balancer } },
    requests: new Requests(store),
    cloudKey: async () => 'sk-test',
    log: silentLogger,
  });
  await routing.nodes.refresh();
  return { ...routing, store };
}

const input = (over: Partial<AskInput> = {}): AskInput => ({
  id: randomUUID(),
  question: 'What is a closure?',
  history: [],
  context: [],
  route: 'auto',
  source: 'cli',
  signal: new AbortController().signal,
  ...over,
});

async function result(events: AsyncIterable<AskEvent>): Promise<AskResult> {
  for await (const e of events) if (e.type === 'end') return e.result;
  throw new Error('no end event');
}

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
    const { deps } = await setup({ nodes: [nodeOf(a, 'a'), nodeOf(b, 'b', 2, 'lan')] });
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
    const { deps } = await setup({ nodes: [nodeOf(server, 'only', 2)] });
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
    const { deps } = await setup({ nodes: [{ name: 'down', baseUrl: 'http://127.0.0.1:9', tier: 'local', models: [], maxParallel: 2 }, nodeOf(up, 'up', 2, 'lan')] });
    const r = await result(ask(input(), deps));
    expect(r).toMatchObject({ outcome: 'ok', meta: { node: 'up', route: 'lan' } });
  });

  it('sends more work to a fast node than to a slow one once it has measured them', async () => {
    const reply = () => 'one two three four five six seven eight nine ten';
    const fast = await ollama({ tokensPerSecond: 400, reply });
    const slow = await ollama({ tokensPerSecond: 25, latencyMs: 60, reply });
    const { deps } = await setup({ nodes: [nodeOf(fast, 'fast', 1), nodeOf(slow, 'slow', 1)] });
    for (let i = 0; i < 4; i++) await result(ask(input(), deps));
    await Promise.all(Array.from({ length: 12 }, () => result(ask(input(), deps))));
    expect(chats(fast).length).toBeGreaterThan(chats(slow).length * 2);
  });

  it('retries on another node when one fails before its first token, and the user sees one answer', async () => {
    const flaky = await ollama();
    const good = await ollama({ reply: () => 'steady answer' });
    const { deps } = await setup({ nodes: [nodeOf(flaky, 'flaky'), nodeOf(good, 'good')] }, { strategy: 'round-robin' });
    flaky.setOptions({ fault: { kind: 'http500' } });
    const results = await Promise.all(Array.from({ length: 4 }, () => result(ask(input(), deps))));
    expect(results.map((r) => r.text)).toEqual(Array(4).fill('steady answer'));
  });

  it('cools a node down after repeated failures and stops sending it requests', async () => {
    const flaky = await ollama();
    const good = await ollama();
    const { deps, pool } = await setup({ nodes: [nodeOf(flaky, 'flaky'), nodeOf(good, 'good')] }, { strategy: 'round-robin', failureThreshold: 2, cooldownMs: 60_000 });
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
    const api = await startFakeOpenAI({ models: ['gpt-test'], reply: () => 'cloud saves the day', tokensPerSecond: 5000 });
    servers.push(api);
    const { deps } = await setup({ nodes: [nodeOf(a, 'a')], cloudProviders: [{ name: 'cloud', kind: 'openai', baseUrl: `${api.url}/v1`, model: 'gpt-test' }] });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'cloud saves the day', meta: { route: 'cloud' } });
  });

  it('retries a cloud 429 after its Retry-After and answers', async () => {
    const api = await startFakeOpenAI({ models: ['gpt-test'], reply: () => 'after the wait', tokensPerSecond: 5000 });
    servers.push(api);
    api.failNext({ kind: 'http429', retryAfterSeconds: 0 });
    const { deps } = await setup({ cloudProviders: [{ name: 'cloud', kind: 'openai', baseUrl: `${api.url}/v1`, model: 'gpt-test' }] });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'after the wait' });
    expect(api.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('cancels a request still waiting in a node queue without sending it', async () => {
    const slow = await ollama({ tokensPerSecond: 20, reply: () => 'word '.repeat(100) });
    const { deps } = await setup({ nodes: [nodeOf(slow, 'slow', 1)] });
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

import { describe, expect, it } from 'vitest';
import { ask, type AskEvent } from '../../src/core/pipeline';
import { cloud, cloudOf, collect, endOf, input, nodeOf, ollama, result, setup } from './support';

describe('pipeline', () => {
  it('streams a local node answer token by token and reports route, node, model and timing', async () => {
    const node = await ollama({ reply: () => 'A closure captures variables from its scope.' });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const events = await collect(ask(input(), deps));
    const tokens = events.filter((e) => e.type === 'token');
    expect(tokens.length).toBeGreaterThan(3);
    const result = endOf(events);
    expect(result).toMatchObject({ outcome: 'ok', text: 'A closure captures variables from its scope.' });
    expect(result.meta).toMatchObject({ route: 'local', node: 'laptop', model: 'llama3.2:latest' });
    expect(result.meta!.ttftMs).toBeGreaterThanOrEqual(0);
    expect(result.usage?.estimated).toBe(false);
  });

  it('sends the system prompt, the history and the attached context to the model', async () => {
    const node = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    await collect(
      ask(
        input({
          history: [{ role: 'user', content: 'earlier question' }, { role: 'assistant', content: 'earlier answer' }],
          context: [{ kind: 'selection', path: 'src/a.ts', language: 'typescript', text: 'const x = 1;' }],
        }),
        deps,
      ),
    );
    const body = node.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(body.messages[3]!.content).toContain('Selection in src/a.ts:\n```typescript\nconst x = 1;\n```');
  });

  it('answers from the cloud when no node is up', async () => {
    const api = await cloud({ reply: () => 'cloud answer' });
    const { deps } = await setup({ nodes: [{ name: 'dead', baseUrl: 'http://127.0.0.1:9', tier: 'local', models: [], maxParallel: 1 }], cloudProviders: [cloudOf(api)] });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result).toMatchObject({ outcome: 'ok', text: 'cloud answer', meta: { route: 'cloud', node: 'cloud', model: 'gpt-test' } });
  });

  it('fails over to the next target when a node fails before its first token', async () => {
    const bad = await ollama();
    bad.failNext({ kind: 'http500' });
    const good = await ollama({ reply: () => 'from lan' });
    // Round-robin starts with the first node, so the failing one is tried first.
    const { deps, requests, store } = await setup({
      nodes: [nodeOf(bad, 'laptop'), nodeOf(good, 'server', { tier: 'lan' })],
    }, { balancer: { strategy: 'round-robin' } });
    const events = await collect(ask(input(), deps));
    expect(events.filter((e) => e.type === 'routed').map((e) => (e as { meta: { node?: string } }).meta.node)).toEqual(['laptop', 'server']);
    expect(endOf(events)).toMatchObject({ outcome: 'ok', text: 'from lan', meta: { route: 'lan', reason: expect.stringMatching(/laptop" failed \(server\)/) } });
    expect(await requests.count()).toBe(1);
    expect(await store.query('SELECT attempts, route, outcome FROM requests')).toEqual([{ attempts: 2, route: 'lan', outcome: 'ok' }]);
  });

  it('leaves a node that sends no first token in time for the next target, and closes the request to it', async () => {
    const hung = await ollama({ fault: { kind: 'hang' } });
    const good = await ollama({ reply: () => 'from lan' });
    const { deps } = await setup({ nodes: [nodeOf(hung, 'laptop'), nodeOf(good, 'server', { tier: 'lan' })] }, { balancer: { strategy: 'round-robin' } });
    const disconnected = hung.nextDisconnect();
    const r = await result(ask(input(), { ...deps, firstTokenTimeoutMs: 300 }));
    expect(r).toMatchObject({ outcome: 'ok', text: 'from lan', meta: { reason: expect.stringMatching(/laptop" failed \(unreachable\)/) } });
    await disconnected;
  });

  it('does not time out a slow answer once its first token has come', async () => {
    const node = await ollama({ tokensPerSecond: 20, reply: () => 'one two three four five six seven eight nine ten' });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const r = await result(ask(input(), { ...deps, firstTokenTimeoutMs: 200 }));
    expect(r).toMatchObject({ outcome: 'ok', text: 'one two three four five six seven eight nine ten' });
  });

  it('ends with a clear "cut off" error and keeps the partial text when a node dies mid-stream', async () => {
    const node = await ollama({ reply: () => 'one two three four five six seven eight nine ten' });
    node.failNext({ kind: 'dropMidStream', afterTokens: 3 });
    const api = await cloud();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.outcome).toBe('error');
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.error).toMatch(/cut off.*Ask again/);
    expect(api.requests).toHaveLength(0);
  });

  it('cancels on abort: the node sees the disconnect and the request is recorded as cancelled', async () => {
    const node = await ollama({ tokensPerSecond: 20, reply: () => 'word '.repeat(200) });
    const { deps, store } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const controller = new AbortController();
    const disconnected = node.nextDisconnect();
    const seen: AskEvent[] = [];
    for await (const e of ask(input({ signal: controller.signal }), deps)) {
      seen.push(e);
      if (e.type === 'token') controller.abort();
    }
    await disconnected;
    expect(endOf(seen).outcome).toBe('cancelled');
    expect(await store.query('SELECT outcome FROM requests')).toEqual([{ outcome: 'cancelled' }]);
  });

  it('reports a rejected cloud key with the command that fixes it', async () => {
    const api = await cloud({ apiKey: 'sk-right' });
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] }, { cloudKey: 'sk-wrong' });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.outcome).toBe('error');
    expect(result.error).toMatch(/rejected the API key.*Set Cloud API Key/);
  });

  it('reports a 429 whose Retry-After is too long to wait out, with when to retry', async () => {
    const api = await cloud();
    api.failNext({ kind: 'http429', retryAfterSeconds: 90 });
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.error).toMatch(/rate limiting.*Retry after 90 s/);
  });

  it('records an error row with the fix when nothing is configured', async () => {
    const { deps, store } = await setup({}, { cloudKey: '' });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.error).toMatch(/No model can answer/);
    expect(await store.query('SELECT outcome FROM requests')).toEqual([{ outcome: 'error' }]);
  });
});

describe('pipeline with a cloud target', () => {
  it('records a stopped cloud answer as cancelled, although the openai SDK ends the stream quietly on abort', async () => {
    const api = await cloud({ tokensPerSecond: 20, reply: () => 'word '.repeat(200) });
    const { deps, store } = await setup({ cloudProviders: [cloudOf(api)] });
    const controller = new AbortController();
    const disconnected = api.nextDisconnect();
    const seen: AskEvent[] = [];
    for await (const e of ask(input({ signal: controller.signal }), deps)) {
      seen.push(e);
      if (e.type === 'token' && e.text.trim()) controller.abort();
    }
    await disconnected;
    expect(endOf(seen).outcome).toBe('cancelled');
    expect(await store.query('SELECT outcome FROM requests')).toEqual([{ outcome: 'cancelled' }]);
  });
});

describe('pipeline privacy', () => {
  const secret = 'sk-proj-4f9KQ2mZx8Lr7TnWv3Yb1Hc6Jd0SeAp';
  const withSecrets = {
    question: `Why is ${secret} rejected?`,
    context: [
      { kind: 'file' as const, path: '.env', text: 'API_KEY=abcd1234efgh' },
      { kind: 'file' as const, path: 'src/client.ts', text: `const key = "${secret}";` },
    ],
  };

  it('sends the cloud no secret and no never-send file, and tells the user how many were held back', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] });
    const result = endOf(await collect(ask(input(withSecrets), deps)));
    const sent = JSON.stringify(api.requests.at(-1)!.body);
    expect(sent).not.toContain(secret);
    expect(sent).not.toContain('abcd1234efgh');
    expect(sent).toContain('[REDACTED:openai-key]');
    expect(result.meta).toMatchObject({ route: 'cloud', redacted: 2, withheld: ['.env'] });
  });

  it('gives a local node the context as it is (it does not leave the machine)', async () => {
    const node = await ollama();
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')] });
    const result = endOf(await collect(ask(input(withSecrets), deps)));
    expect(JSON.stringify(node.requests.at(-1)!.body)).toContain(secret);
    expect(result.meta?.redacted).toBeUndefined();
  });

  it('in local-only mode never calls the cloud, even when every node fails', async () => {
    const api = await cloud();
    const node = await ollama();
    node.setOptions({ fault: { kind: 'http500' } });
    const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)], privacy: { localOnly: true, neverSend: [] } });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.outcome).toBe('error');
    expect(api.requests).toHaveLength(0);
  });

  it('in local-only mode with no node says why nothing can answer', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)], privacy: { localOnly: true, neverSend: [] } });
    const result = endOf(await collect(ask(input(), deps)));
    expect(result.error).toMatch(/Local-only mode is on/);
    expect(api.requests).toHaveLength(0);
  });
});

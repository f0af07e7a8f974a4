// A canary cloud key is used for real requests (answered, refused, failing through the endpoint), then
// searched for in every output the product makes: answers and errors, log lines, every byte of the
// database, the dashboard's CSV and JSON exports, and the endpoint's responses.
import { afterEach, describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { exportRequests } from '../../src/core/metrics/export';
import { startProxy, type RunningProxy } from '../../src/core/proxy/server';
import type { Logger } from '../../src/core/log';
import { cloud, cloudOf, input, result, setup } from './support';
import { SECRET_CORPUS } from '../fixtures/secretCorpus';

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const CANARY = 'sk-canary-7f3a9c0d1e2b4a68';
const proxies: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('secrets', () => {
  it('never lets the cloud key reach an answer, an error, a log line, the database, an export or the endpoint', async () => {
    const lines: string[] = [];
    const log: Logger = { debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
    const right = await cloud({ apiKey: CANARY, reply: () => 'fine' });
    const wrong = await cloud({ apiKey: 'sk-the-real-one-000000' });
    const w = await setup({ cloudProviders: [cloudOf(right, 'good'), cloudOf(wrong, 'bad')] }, { cloudKey: CANARY, log });

    const outputs: string[] = [];
    for (const route of ['cloud', 'auto'] as const) {
      const r = await result(ask(input({ route, question: `question with ${route}` }), w.deps));
      outputs.push(r.text, r.error ?? '', JSON.stringify(r.meta ?? {}));
    }
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: 'sk-singularity-endpoint-key-01', allowRemote: false, deps: () => w.deps, log });
    proxies.push(proxy);
    const refused = await fetch(`${proxy.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-singularity-endpoint-key-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bad/gpt-test', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(refused.status).toBe(502);
    outputs.push(await refused.text());

    await w.store.flush();
    outputs.push(Buffer.from((await w.store.query<{ sql: string }>("SELECT group_concat(sql) AS sql FROM sqlite_master"))[0]!.sql).toString());
    for (const table of ['requests', 'messages', 'ml_router_training_data', 'ml_router_predictions', 'feedback_data', 'router_events']) {
      outputs.push(JSON.stringify(await w.store.query(`SELECT * FROM ${table}`)));
    }
    for (const format of ['csv', 'json'] as const) outputs.push((await exportRequests(w.store, { period: 'all', now: Date.now(), format })).text);
    outputs.push(...lines);

    expect(outputs[6]).toMatch(/rejected the API key/);
    for (const out of outputs) expect(out).not.toContain(CANARY);
    expect(outputs.join('\n')).not.toContain(CANARY.slice(3, -4));
  });
});

describe('redaction before the cloud', () => {
  const secrets = SECRET_CORPUS.map((s) => s.secret);
  const leaked = (body: unknown) => secrets.filter((s) => JSON.stringify(body).includes(JSON.stringify(s).slice(1, -1)));

  it('takes every secret of the corpus out of the question and the context files', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] });
    const question = `Why does this fail?\n${SECRET_CORPUS.map((s) => s.text).join('\n\n')}`;
    const context = SECRET_CORPUS.map((s, i) => ({ kind: 'file' as const, path: `config/sample${i}.txt`, text: s.text }));
    await result(ask(input({ route: 'cloud', question, context }), deps));
    expect(leaked(api.requests.at(-1)!.body)).toEqual([]);
  });

  it("takes secrets out of the endpoint's system and developer messages", async () => {
    const api = await cloud();
    const w = await setup({ cloudProviders: [cloudOf(api, 'good')] });
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: 'sk-singularity-endpoint-key-01', allowRemote: false, deps: () => w.deps, log: silent });
    proxies.push(proxy);
    const [system, developer] = [SECRET_CORPUS.slice(0, 25), SECRET_CORPUS.slice(25)].map((part) => part.map((s) => s.text).join('\n'));
    const res = await fetch(`${proxy.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-singularity-endpoint-key-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'good/gpt-test', messages: [{ role: 'system', content: system }, { role: 'developer', content: developer }, { role: 'user', content: 'Deploy it.' }] }),
    });
    expect(res.status).toBe(200);
    expect(leaked(api.requests.at(-1)!.body)).toEqual([]);
  });

  it('withholds a never-send file that Review Changed Files labels with its diff', async () => {
    const api = await cloud();
    const { deps } = await setup({ cloudProviders: [cloudOf(api)] });
    const diff = { kind: 'file' as const, path: '.env (git diff HEAD)', language: 'diff', text: '+SESSION_COOKIE=qz81-unlabelled-value' };
    const r = await result(ask(input({ route: 'cloud', question: 'Review this change.', context: [diff] }), deps));
    expect(JSON.stringify(api.requests.at(-1)!.body)).not.toContain('qz81-unlabelled-value');
    expect(r.meta?.withheld).toEqual(['.env (git diff HEAD)']);
  });
});

import { describe, expect, it, onTestFinished } from 'vitest';
import OpenAI from 'openai';
import { startProxy } from '../../src/core/proxy/server';
import { silentLogger } from '../../src/core/log';
import { ask, type AskEvent } from '../../src/core/pipeline';
import type { AskResult } from '../../src/core/request';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { runBatch } from '../../src/core/batch/parallel';
import { batchReport } from '../../src/core/batch/report';
import { chats, cloud, cloudOf, input, nodeOf, ollama, setup } from './support';

const CUT_OFF = 'Here is the parser:\n\n```python\ndef parse_numbers(text):\n    result = []\n    for part in text.split(","):\n        result.append(int(part';
const GOOD =
  'Use `split` and `int`:\n\n```python\ndef parse_numbers(text):\n    return [int(part) for part in text.split(",")]\n```\n\nThis parses numbers separated by commas and raises ValueError on bad parts.';
const QUESTION = 'Write a python function parse_numbers that parses comma separated numbers';

interface WorldOptions {
  localOnly?: boolean;
  tokensPerSecond?: number;
  /** The judge model's reply; the node then also serves judge:latest. */
  judgeSays?: string;
}

async function world(nodeReply: string, options: WorldOptions = {}) {
  const node = await ollama({
    models: ['llama3.2:latest', ...(options.judgeSays ? ['judge:latest'] : [])],
    reply: (req) => (req.model === 'judge:latest' ? options.judgeSays! : nodeReply),
    ...(options.tokensPerSecond ? { tokensPerSecond: options.tokensPerSecond } : {}),
  });
  const api = await cloud({ reply: () => GOOD });
  const w = await setup(
    { nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)], privacy: { ...DEFAULT_PRIVACY, localOnly: options.localOnly ?? false } },
    { learning: { settings: options.judgeSays ? { judgeModel: 'judge:latest' } : {} } },
  );
  return { ...w, node, api };
}

async function run(events: AsyncIterable<AskEvent>) {
  const all: AskEvent[] = [];
  for await (const e of events) all.push(e);
  const end = [...all].reverse().find((e) => e.type === 'end') as { result: AskResult } | undefined;
  const escalated = all.find((e) => e.type === 'escalated') as Extract<AskEvent, { type: 'escalated' }> | undefined;
  return { all, end: end!.result, escalated };
}

const rows = async (w: Awaited<ReturnType<typeof world>>, sql: string) => await w.store.query<Record<string, unknown>>(sql);

describe('token confidence in the quality gate', () => {
  /** Every request goes to the node (cloud share 0) with a cloud configured; the node's tokens carry `logprob`. */
  async function confident(logprob: unknown, version = '0.12.11') {
    const node = await ollama({ version, reply: () => GOOD, logprob: () => logprob });
    const api = await cloud({ reply: () => 'from the cloud' });
    const w = await setup(
      { nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] },
      { learning: {}, learned: { files: { shipped: 'models/router.onnx' }, settings: { mode: 'ml', policy: { mode: 'cloudShare', cloudShare: 0 } }, random: () => 0.99 } },
    );
    return { ...w, node, api };
  }

  it('escalates a node answer at mean token log-prob -3, and says the model was unsure', async () => {
    const w = await confident(-3);
    const { escalated, end } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    expect(escalated?.verdict.reasons[0]).toBe('the model was unsure of its answer (mean token log-prob -3.00)');
    expect(escalated?.draft.meta?.confidence?.meanLogprob).toBeCloseTo(-3);
    expect(end.text).toBe('from the cloud');
  });

  it('keeps a node answer at mean token log-prob -0.02, with its confidence in the meta', async () => {
    const w = await confident(-0.02);
    const { escalated, end } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    expect(escalated).toBeUndefined();
    expect(end.meta?.route).toBe('local');
    expect(end.meta?.confidence).toMatchObject({ lowShare: 0 });
    expect(end.meta?.confidence?.meanLogprob).toBeCloseTo(-0.02);
    expect(w.api.requests).toHaveLength(0);
  });

  it('asks for log-probabilities only of an Ollama that has them (0.12.11 and later)', async () => {
    const w = await confident(-0.02, '0.12.10');
    const { end } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    expect((chats(w.node)[0]!.body as Record<string, unknown>).logprobs).toBeUndefined();
    expect(end.meta?.confidence).toBeUndefined();
    expect(end.meta?.route).toBe('local');
  });

  it('runs the gate on the rest when a node sends malformed log-probabilities (NaN, -Infinity, text)', async () => {
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, 'low']) {
      const w = await confident(bad);
      const { escalated, end } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
      expect(end.outcome).toBe('ok');
      expect(end.meta?.confidence).toBeUndefined();
      expect(escalated).toBeUndefined();
    }
  });
});

describe('quality gate in the request flow', () => {
  it('escalates a node answer cut off inside a code block to the cloud, and says why', async () => {
    const w = await world(CUT_OFF);
    const i = input({ source: 'panel', question: QUESTION });
    const { end, escalated } = await run(ask(i, w.deps));
    expect(escalated?.draft.text).toBe(CUT_OFF);
    expect(escalated?.verdict.reasons).toContain('answer was cut off');
    expect(end.meta?.route).toBe('cloud');
    expect(end.text).toBe(GOOD);
    expect(end.meta?.escalatedFrom).toEqual({ requestId: i.id, reason: expect.stringContaining('answer was cut off') });
  });

  it('stores the verdict with the request and the escalation as implicit negative feedback with its reason', async () => {
    const w = await world(CUT_OFF);
    const i = input({ source: 'panel', question: QUESTION });
    const { escalated } = await run(ask(i, w.deps));
    const [verdict] = await rows(w, `SELECT score, passed, reasons, escalated_to FROM quality_gate_results WHERE request_id = '${i.id}'`);
    expect(verdict).toMatchObject({ score: 0, passed: 0, escalated_to: escalated!.to });
    expect(JSON.parse(String(verdict!.reasons))).toContain('answer was cut off');
    const [feedback] = await rows(w, `SELECT kind, value, reason, route FROM feedback_data WHERE request_id = '${i.id}'`);
    expect(feedback).toMatchObject({ kind: 'autoReroute', value: -1, route: 'local', reason: expect.stringContaining('cut off') });
    // The cloud's answer was accepted, so the router learns that this question needed the cloud.
    expect((await rows(w, `SELECT label FROM ml_router_training_data WHERE request_id = '${i.id}'`))[0]!.label).toBe('1');
  });

  it('keeps a sound node answer, with its quality score on the answer and in the store', async () => {
    const w = await world(GOOD);
    const i = input({ source: 'panel', question: QUESTION });
    const { end, escalated } = await run(ask(i, w.deps));
    expect(escalated).toBeUndefined();
    expect(end.meta?.route).toBe('local');
    expect(end.meta?.quality?.score).toBeGreaterThan(0.2);
    expect((await rows(w, `SELECT passed FROM quality_gate_results WHERE request_id = '${i.id}'`))[0]!.passed).toBe(1);
    expect(w.api.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('never escalates in a local-only workspace: the weak answer stays, scored', async () => {
    const w = await world(CUT_OFF, { localOnly: true });
    const i = input({ source: 'panel', question: QUESTION });
    const { end, escalated } = await run(ask(i, w.deps));
    expect(escalated).toBeUndefined();
    expect(end.meta?.route).toBe('local');
    expect((await rows(w, `SELECT passed, escalated_to FROM quality_gate_results WHERE request_id = '${i.id}'`))[0]).toEqual({ passed: 0, escalated_to: null });
  });

  it('scores but does not replace an answer that may not be taken back (escalate: false, a streamed API answer)', async () => {
    const w = await world(CUT_OFF);
    const { end, escalated } = await run(ask(input({ question: QUESTION }), w.deps, { escalate: false }));
    expect(escalated).toBeUndefined();
    expect(end.text).toBe(CUT_OFF);
  });

  it('stops a looping node answer early and escalates it', async () => {
    const loop = `Sure. ${'The parser reads each number and the parser reads each number. '.repeat(300)}`;
    const w = await world(loop, { tokensPerSecond: 4000 });
    const { escalated, end } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    expect(escalated?.verdict.reasons).toContain('answer was repeating itself');
    expect(escalated!.draft.text.length).toBeLessThan(loop.length / 2);
    expect(end.meta?.route).toBe('cloud');
  });

  it('escalates an answer the gate passed when the judge model grades it low', async () => {
    const w = await world(GOOD, { judgeSays: '2' });
    const i = input({ source: 'panel', question: QUESTION });
    const { escalated, end } = await run(ask(i, w.deps));
    expect(escalated?.verdict.reasons).toEqual(['the judge model rated it 2/10']);
    expect(end.meta?.route).toBe('cloud');
    const judged = chats(w.node).find((r) => (r.body as { model: string }).model === 'judge:latest')!.body as { messages: { content: string }[] };
    expect(judged.messages.at(-1)!.content).toContain(GOOD);
  });

  it('asks the judge model through the node pool: a failing judge node counts a fault, another node with the model grades', async () => {
    const broken = await ollama({ models: ['judge:latest'], fault: { kind: 'http500' } });
    const node = await ollama({ models: ['llama3.2:latest', 'judge:latest'], reply: (req) => (req.model === 'judge:latest' ? '2' : GOOD) });
    const api = await cloud({ reply: () => GOOD });
    // Round-robin with the node that answered used last: the judge goes to the broken node first.
    const w = await setup(
      { nodes: [nodeOf(broken, 'broken'), nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] },
      { learning: { settings: { judgeModel: 'judge:latest' } }, balancer: { strategy: 'round-robin', failureThreshold: 1 } },
    );
    const { escalated } = await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    expect(chats(broken)).toHaveLength(1);
    expect(escalated?.verdict.reasons).toEqual(['the judge model rated it 2/10']);
    expect(w.pool.load().find((n) => n.name === 'broken')?.breaker).toMatch(/cooling down/);
  });

  it('keeps an answer the judge model grades well, with the grade stored', async () => {
    const w = await world(GOOD, { judgeSays: '8' });
    const i = input({ source: 'panel', question: QUESTION });
    const { escalated } = await run(ask(i, w.deps));
    expect(escalated).toBeUndefined();
    expect(JSON.parse(String((await rows(w, `SELECT signals FROM quality_gate_results WHERE request_id = '${i.id}'`))[0]!.signals)).judgeGrade).toBe(8);
  });

  it('leaves an explicit route alone: a question sent to the node on purpose is not escalated', async () => {
    const w = await world(CUT_OFF);
    const { end, escalated } = await run(ask(input({ question: QUESTION, route: 'local' }), w.deps));
    expect(escalated).toBeUndefined();
    expect(end.meta?.route).toBe('local');
  });
});

describe('quality gate in batch commands', () => {
  const item = { id: 'parse.py', title: 'parse.py', question: QUESTION, context: [], category: 'explainFiles' };
  const batch = async (w: Awaited<ReturnType<typeof world>>) => runBatch([item], w.deps, { concurrency: 1, signal: new AbortController().signal });

  it('replaces a weak node answer in a batch with the cloud\'s, and the report says why', async () => {
    const w = await world(CUT_OFF);
    const [result] = await batch(w);
    expect(result).toMatchObject({ outcome: 'ok', text: GOOD, attempts: 1 });
    expect(result!.meta?.escalatedFrom?.reason).toContain('answer was cut off');
    expect(batchReport('Explain files', [result!])).toContain('escalated from a node answer: answer was cut off');
  });

  it('keeps a sound node answer in a batch, with its quality in the report', async () => {
    const w = await world(GOOD);
    const [result] = await batch(w);
    expect(result).toMatchObject({ outcome: 'ok', text: GOOD, meta: { route: 'local' } });
    expect(batchReport('Explain files', [result!])).toMatch(/quality \d\.\d\d/);
  });
});

describe('quality gate behind the OpenAI-compatible endpoint', () => {
  async function endpoint(w: Awaited<ReturnType<typeof world>>) {
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, key: 'sk-endpoint-test-key-0123456789', allowRemote: false, deps: () => w.deps, log: silentLogger });
    onTestFinished(() => proxy.close());
    return new OpenAI({ baseURL: proxy.url, apiKey: 'sk-endpoint-test-key-0123456789', maxRetries: 0 });
  }

  it('replaces a weak node answer with the cloud\'s in a complete (non-streamed) response', async () => {
    const w = await world(CUT_OFF);
    const client = await endpoint(w);
    const r = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION }] });
    expect(r.choices[0]!.message.content).toBe(GOOD);
  });

  it('keeps a streamed answer as streamed (it cannot be taken back), scored but not replaced', async () => {
    const w = await world(CUT_OFF);
    const client = await endpoint(w);
    const stream = await client.chat.completions.create({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(CUT_OFF);
    expect(await rows(w, 'SELECT passed, escalated_to FROM quality_gate_results')).toEqual([{ passed: 0, escalated_to: null }]);
  });
});

describe('monitoring', () => {
  it('counts escalations, gate verdicts, thumbs and local acceptance for the dashboard', async () => {
    const w = await world(CUT_OFF);
    await run(ask(input({ source: 'panel', question: QUESTION }), w.deps));
    w.node.setOptions({ reply: () => GOOD });
    const kept = input({ source: 'panel', question: QUESTION });
    await run(ask(kept, w.deps));
    w.learning!.feedback.thumbs(kept.id, 1);
    const { learning } = await dashboardData(w.store, { period: 'today', now: Date.now(), prices: { inputPerMillion: 1, outputPerMillion: 1 } });
    expect(learning.totals).toEqual({ labelledLocal: 2, acceptedLocal: 1, rerouted: 1, escalated: 1, gateScored: 2, thumbsUp: 1, thumbsDown: 0 });
    expect(learning.series.values.localAcceptance.filter((v) => v !== null)).toEqual([0.5]);
    expect(learning.library).toMatchObject({ active: 1, added: 1 });
  });
});

describe('tokens saved', () => {
  it('counts no cloud tokens saved for a node answer the cloud then replaced', async () => {
    const w = await world(CUT_OFF);
    const i = input({ source: 'panel', question: QUESTION });
    const { escalated } = await run(ask(i, w.deps));
    expect((await rows(w, `SELECT replaced_by FROM requests WHERE id = '${i.id}'`))[0]!.replaced_by).toBe(escalated!.to);
    const { headline } = await dashboardData(w.store, { period: 'today', now: Date.now(), prices: { inputPerMillion: 1, outputPerMillion: 1 } });
    expect(headline).toMatchObject({ requests: 2, cloudTokensSaved: 0, localShare: 0 });
  });
});

describe('feedback', async () => {
  async function answered(w: Awaited<ReturnType<typeof world>>, question = QUESTION) {
    const i = input({ source: 'panel', question });
    const { end } = await run(ask(i, w.deps));
    const conversation = await w.conversations.current('ws');
    w.conversations.addMessage(conversation, { id: `${i.id}-q`, role: 'user', text: question }, i.id);
    w.conversations.addMessage(conversation, { id: `${i.id}-a`, role: 'assistant', text: end.text, requestId: i.id }, i.id);
    return i.id;
  }
  const label = async (w: Awaited<ReturnType<typeof world>>, id: string) => (await rows(w, `SELECT label FROM ml_router_training_data WHERE request_id = '${id}'`))[0]!.label;

  it('stores a thumbs-down with its reason and the route that answered', async () => {
    const w = await world(GOOD);
    const id = await answered(w);
    await w.learning!.feedback.thumbs(id, -1, 'wrong function name');
    expect(await rows(w, `SELECT kind, value, reason, route FROM feedback_data WHERE request_id = '${id}'`)).toEqual([{ kind: 'thumbs', value: -1, reason: 'wrong function name', route: 'local' }]);
    expect(await label(w, id)).toBe('1');
  });

  it('stores a thumbs-down once when its reason follows it (the panel sends the thumb, then the reason)', async () => {
    const w = await world(GOOD);
    const id = await answered(w);
    await w.learning!.feedback.thumbs(id, -1);
    await w.learning!.feedback.thumbs(id, -1, 'wrong function name');
    expect(await rows(w, `SELECT kind, value, reason FROM feedback_data WHERE request_id = '${id}'`)).toEqual([{ kind: 'thumbs', value: -1, reason: 'wrong function name' }]);
    await w.learning!.feedback.thumbs(id, 1);
    expect((await rows(w, `SELECT value FROM feedback_data WHERE request_id = '${id}' ORDER BY rowid`)).map((r) => r.value)).toEqual([-1, 1]);
  });

  it('counts regenerating an answer as rejecting it, and copying code from it as accepting it', async () => {
    const w = await world(GOOD);
    const [regenerated, copied] = [await answered(w), await answered(w)];
    await w.learning!.feedback.regenerated(regenerated, 'next');
    await w.learning!.feedback.codeUsed(copied, 'copy');
    expect([await label(w, regenerated), await label(w, copied)]).toEqual(['1', '0']);
    expect((await rows(w, 'SELECT kind FROM feedback_data ORDER BY created_at, rowid')).map((r) => r.kind)).toEqual(['regenerate', 'copyCode']);
  });

  it('lets an explicit thumb outrank an implicit signal', async () => {
    const w = await world(GOOD);
    const id = await answered(w);
    await w.learning!.feedback.thumbs(id, 1);
    await w.learning!.feedback.regenerated(id, 'next');
    expect(await label(w, id)).toBe('0');
  });
});

describe('few-shot examples', () => {
  it('turns a thumbs-up into an example and adds it to a similar question sent to a node', async () => {
    const w = await world(GOOD);
    const first = input({ source: 'panel', workspace: 'ws', question: QUESTION });
    const { end } = await run(ask(first, w.deps));
    const conversation = await w.conversations.current('ws');
    w.conversations.addMessage(conversation, { id: 'q1', role: 'user', text: QUESTION }, first.id);
    w.conversations.addMessage(conversation, { id: 'a1', role: 'assistant', text: end.text, requestId: first.id }, first.id);
    await w.learning!.feedback.thumbs(first.id, 1);
    expect(await w.learning!.examples.list()).toHaveLength(1);

    const second = input({ source: 'panel', workspace: 'ws', question: 'Write a python function parse_numbers that parses semicolon separated numbers' });
    await run(ask(second, w.deps));
    const sent = chats(w.node).at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent.messages[1]!.content).toBe(QUESTION);
    expect((await rows(w, `SELECT request_id FROM example_uses`)).map((r) => r.request_id)).toEqual([second.id]);
  });

  it('sends no examples to the cloud', async () => {
    const w = await world(CUT_OFF);
    await w.learning!.examples.add({ prompt: QUESTION, answer: GOOD, source: 'thumbsUp', workspace: 'ws' });
    await run(ask(input({ source: 'panel', workspace: 'ws', question: QUESTION }), w.deps));
    expect((chats(w.node).at(-1)!.body as { messages: unknown[] }).messages).toHaveLength(4);
    const sent = w.api.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body as { messages: { role: string }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('keeps the cloud answer that replaced an escalated node answer as an example', async () => {
    const w = await world(CUT_OFF);
    await run(ask(input({ source: 'panel', workspace: 'ws', question: QUESTION }), w.deps));
    const [example] = await w.learning!.examples.list();
    expect(example).toMatchObject({ source: 'cloudAfterLocal', answer: GOOD, status: 'active', workspace: 'ws' });
  });

  it('retires an example whose uses keep failing, and logs why', async () => {
    const w = await world(GOOD);
    const id = (await w.learning!.examples.add({ prompt: QUESTION, answer: GOOD, source: 'thumbsUp', workspace: 'ws' }))!;
    for (let k = 0; k < 4; k++) {
      const i = input({ source: 'panel', workspace: 'ws', question: QUESTION });
      await run(ask(i, w.deps));
      await w.learning!.feedback.thumbs(i.id, -1);
    }
    expect((await w.learning!.examples.list())[0]).toMatchObject({ id, status: 'retired', uses: 4, failures: 4 });
    expect((await w.learning!.examples.logs()).find((l) => l.event === 'retired')?.details.why).toBe('failed 4 of 4 uses vs 25% for local answers');
  });

  it('logs every change to the library with its reason', async () => {
    const w = await world(GOOD);
    const id = (await w.learning!.examples.add({ prompt: QUESTION, answer: GOOD, source: 'thumbsUp', workspace: 'ws' }))!;
    await w.learning!.examples.add({ prompt: `${QUESTION}, please`, answer: 'newer', source: 'thumbsUp', workspace: 'ws' });
    w.learning!.examples.pin(id, true);
    w.learning!.examples.delete(id);
    expect((await w.learning!.examples.logs()).map((l) => l.event)).toEqual(['deleted', 'pinned', 'merged', 'added']);
    expect(await w.learning!.examples.list()).toHaveLength(0);
  });
});

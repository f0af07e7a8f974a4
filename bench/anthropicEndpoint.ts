// What the endpoint costs an agent, by API: one loopback fake Ollama node (50 ms before the first token, answers
// at 200 tokens/s) asked three ways, alternating request by request so drift on the machine hits all alike:
//   A) directly with the `ollama` client,
//   B) through the endpoint's /v1/chat/completions with the `openai` client,
//   C) through the endpoint's /v1/messages with the `@anthropic-ai/sdk` client,
// B and C with model singularity/auto (routing, the pipeline, recording and a second HTTP hop included).
// Two workloads, all streamed: a text answer (time to first text, total), and one tool round trip as an agent
// runs it (the model calls `read`, the client sends the result back, the model answers: total of both requests).
// p50/p95 and ratios against A. Writes bench/results/anthropic-endpoint.json. `BENCH_SCALE=0.2` for a quick look;
// timings mean little on a busy machine, so load averages are printed and recorded.

import { endpointOnNode } from './endpointOnNode';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { Ollama, type Message as OllamaMessage } from 'ollama';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOllama, tokenize } from '../test/fixtures';
import type { ChatRequestView } from '../test/fixtures/fakeServer';
import { AUTO_MODEL } from '../src/core/proxy/models';
import { timed } from './timing';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MODEL = 'llama3.2';
const TOKENS = Math.max(20, Math.round(200 * Math.min(1, SCALE)));
const TPS = 200;
const LATENCY_MS = 50;
const WARMUP = 3;
const N = Math.max(5, Math.round(30 * SCALE));
const LOAD_AT_START = loadavg();

const QUESTION = 'What does src/a.ts export?';
const FILE = 'export const answer = 42;';
const REPLY = tokenize('The file exports one constant, answer, set to 42. '.repeat(Math.ceil(TOKENS / 10))).slice(0, TOKENS).join('');

/** The model reads the file first, then answers from the tool's result; a question without tools gets the answer. */
const lastIsTool = (req: ChatRequestView) => req.messages.at(-1)?.role === 'tool';

const pct = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const summary = (xs: readonly number[]) => ({ n: xs.length, p50: pct(xs, 0.5), p95: pct(xs, 0.95) });

interface Timing {
  firstTextMs: number;
  totalMs: number;
}

/** Milliseconds since t0 at the first piece of text, and at the end, while `pieces` is drained. */
async function clock(t0: number, pieces: AsyncIterable<string>): Promise<Timing> {
  let firstTextMs = NaN;
  for await (const piece of pieces) if (piece && Number.isNaN(firstTextMs)) firstTextMs = performance.now() - t0;
  return { firstTextMs, totalMs: performance.now() - t0 };
}

const tools = { name: 'read', description: 'Read a file', schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };

async function main(): Promise<void> {
  const seconds: Record<string, number> = {};
  const node = await startFakeOllama({
    models: [`${MODEL}:latest`],
    tokensPerSecond: TPS,
    latencyMs: LATENCY_MS,
    show: { [`${MODEL}:latest`]: { capabilities: ['completion', 'tools'] } },
    toolCalls: (req) => (req.tools?.length && !lastIsTool(req) ? [{ name: 'read', arguments: { path: 'src/a.ts' } }] : undefined),
    reply: (req) => (req.tools?.length && !lastIsTool(req) ? '' : REPLY),
  });
  const { proxy, key, close } = await endpointOnNode(node.url);
  const ollama = new Ollama({ host: node.url });
  const openai = new OpenAI({ baseURL: proxy.url, apiKey: key, maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: new URL(proxy.url).origin, apiKey: key, authToken: null, maxRetries: 0 });

  const ollamaTools = [{ type: 'function', function: { name: tools.name, description: tools.description, parameters: tools.schema } }];
  const openaiTools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: tools.name, description: tools.description, parameters: tools.schema } }];
  const anthropicTools: Anthropic.Tool[] = [{ name: tools.name, description: tools.description, input_schema: tools.schema as Anthropic.Tool.InputSchema }];

  const text = {
    direct: async () => {
      const t0 = performance.now();
      const stream = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: QUESTION }], stream: true });
      return clock(t0, (async function* () { for await (const p of stream) yield p.message.content; })());
    },
    openai: async () => {
      const t0 = performance.now();
      const stream = await openai.chat.completions.create({ model: AUTO_MODEL, messages: [{ role: 'user', content: QUESTION }], stream: true });
      return clock(t0, (async function* () { for await (const c of stream) yield c.choices[0]?.delta?.content ?? ''; })());
    },
    anthropic: async () => {
      const t0 = performance.now();
      const stream = await anthropic.messages.create({ model: AUTO_MODEL, max_tokens: 1024, messages: [{ role: 'user', content: QUESTION }], stream: true });
      return clock(t0, (async function* () { for await (const e of stream) yield e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : ''; })());
    },
  };

  /** Both requests of the loop, each streamed to its end as an agent reads it; the answer must be the reply. */
  const loop = {
    direct: async () => {
      const t0 = performance.now();
      const messages: OllamaMessage[] = [{ role: 'user', content: QUESTION }];
      const calls: NonNullable<OllamaMessage['tool_calls']> = [];
      for await (const p of await ollama.chat({ model: MODEL, messages, tools: ollamaTools, stream: true })) calls.push(...(p.message.tool_calls ?? []));
      messages.push({ role: 'assistant', content: '', tool_calls: calls }, { role: 'tool', content: FILE, tool_name: 'read' });
      let answer = '';
      for await (const p of await ollama.chat({ model: MODEL, messages, tools: ollamaTools, stream: true })) answer += p.message.content;
      return check(answer, t0);
    },
    openai: async () => {
      const t0 = performance.now();
      const first = await openai.chat.completions.stream({ model: AUTO_MODEL, messages: [{ role: 'user', content: QUESTION }], tools: openaiTools }).finalChatCompletion();
      const call = first.choices[0]!.message.tool_calls![0]!;
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: QUESTION }, first.choices[0]!.message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: FILE }];
      const second = await openai.chat.completions.stream({ model: AUTO_MODEL, messages, tools: openaiTools }).finalChatCompletion();
      return check(second.choices[0]!.message.content ?? '', t0);
    },
    anthropic: async () => {
      const t0 = performance.now();
      const question: Anthropic.MessageParam = { role: 'user', content: QUESTION };
      const first = await anthropic.messages.stream({ model: AUTO_MODEL, max_tokens: 1024, tools: anthropicTools, messages: [question] }).finalMessage();
      const use = first.content.find((b) => b.type === 'tool_use')!;
      const messages: Anthropic.MessageParam[] = [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: FILE }] }];
      const second = await anthropic.messages.stream({ model: AUTO_MODEL, max_tokens: 1024, tools: anthropicTools, messages }).finalMessage();
      return check(second.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), t0);
    },
  };
  /** Milliseconds since t0, once the answer is checked: a loop that went wrong would look fast for the wrong reason. */
  const check = (answer: string, t0: number): number => {
    if (answer !== REPLY) throw new Error(`the loop's answer is not the node's reply: ${answer.slice(0, 80)}`);
    return performance.now() - t0;
  };

  type Path = keyof typeof text;
  const paths: Path[] = ['direct', 'openai', 'anthropic'];
  async function measure<T>(runs: Record<Path, () => Promise<T>>): Promise<Record<Path, T[]>> {
    for (let i = 0; i < WARMUP; i++) for (const p of paths) await runs[p]();
    const out: Record<Path, T[]> = { direct: [], openai: [], anthropic: [] };
    for (let i = 0; i < N; i++) for (const p of paths) out[p].push(await runs[p]());
    return out;
  }

  const textRuns = await timed(seconds, 'text', () => measure(text));
  const loopRuns = await timed(seconds, 'toolLoop', () => measure(loop));
  await close();
  await node.close();

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, platform: `${platform()} ${release()}`, node: process.version, loadAtStart: LOAD_AT_START, loadAtEnd: loadavg() },
    settings: { scale: SCALE, requestsPerPath: N, warmup: WARMUP, answerTokens: TOKENS, tokensPerSecond: TPS, latencyMs: LATENCY_MS },
    text: Object.fromEntries(paths.map((p) => [p, { firstTextMs: summary(textRuns[p].map((t) => t.firstTextMs)), totalMs: summary(textRuns[p].map((t) => t.totalMs)) }])),
    toolLoop: Object.fromEntries(paths.map((p) => [p, { totalMs: summary(loopRuns[p]) }])),
    seconds,
  };
  const label: Record<Path, string> = { direct: '`ollama` client → node', openai: '`openai` client → /v1/chat/completions → node', anthropic: '`@anthropic-ai/sdk` → /v1/messages → node' };
  const f = (x: number) => x.toFixed(1);
  const r = (x: number, base: number) => (x / base).toFixed(3);
  const d = results.text.direct!;
  console.log(`\nText answer, streamed (${TOKENS} tokens at ${TPS} tok/s, ${LATENCY_MS} ms to the first; ${N} requests per path)`);
  console.log('| path | first text p50 | p95 | total p50 | p95 | first text / direct | total / direct |');
  console.log('|---|---|---|---|---|---|---|');
  for (const p of paths) {
    const t = results.text[p]!;
    console.log(`| ${label[p]} | ${f(t.firstTextMs.p50)} ms | ${f(t.firstTextMs.p95)} ms | ${f(t.totalMs.p50)} ms | ${f(t.totalMs.p95)} ms | ${r(t.firstTextMs.p50, d.firstTextMs.p50)} | ${r(t.totalMs.p50, d.totalMs.p50)} |`);
  }
  const dl = results.toolLoop.direct!;
  console.log(`\nOne tool round trip (call, result, ${TOKENS}-token answer), both requests streamed`);
  console.log('| path | total p50 | p95 | p50 / direct | added p50 |');
  console.log('|---|---|---|---|---|');
  for (const p of paths) {
    const t = results.toolLoop[p]!;
    console.log(`| ${label[p]} | ${f(t.totalMs.p50)} ms | ${f(t.totalMs.p95)} ms | ${r(t.totalMs.p50, dl.totalMs.p50)} | ${f(t.totalMs.p50 - dl.totalMs.p50)} ms |`);
  }
  console.log(`\nload ${LOAD_AT_START.map((x) => x.toFixed(2)).join(' ')} at the start, ${results.machine.loadAtEnd.map((x) => x.toFixed(2)).join(' ')} at the end; ${f(seconds.text! + seconds.toolLoop!)} s`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'anthropic-endpoint.json'), `${JSON.stringify(results, null, 2)}\n`);
}

void main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});

// Overhead of one agent tool round trip through the OpenAI-compatible endpoint over talking to the node
// directly. One round trip is two requests, as an agent makes them: the question with tools (the model answers
// with a call), then the call's result (the model answers in text). Both paths stream and hit the same loopback
// fixture node, in alternation, in one run: the `ollama` client straight to /api/chat, and the `openai` SDK
// through the endpoint (routing, capability check, tool-loop affinity, recording in the store).
// Prints the figures and writes bench/results/tools.json.

import { endpointOnNode } from './endpointOnNode';
import { latencySummary } from './timing';
import { mkdirSync, writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { Ollama, type Message } from 'ollama';
import { startFakeOllama } from '../test/fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const LATENCY_MS = 20;
const QUESTION = 'What is the weather in Oslo?';
const RESULT = '{"celsius":4}';
const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };


async function main() {
  const server = await startFakeOllama({
    models: ['llama3.2:latest'],
    show: { 'llama3.2:latest': { capabilities: ['completion', 'tools'] } },
    latencyMs: LATENCY_MS,
    tokensPerSecond: 2000,
    toolCalls: (req) => (req.messages.some((m) => m.role === 'tool') ? undefined : [{ name: 'get_weather', arguments: { city: 'Oslo' } }]),
    reply: (req) => (req.messages.some((m) => m.role === 'tool') ? 'It is 4 degrees in Oslo.' : ''),
  });
  const { proxy, key, close } = await endpointOnNode(server.url, 4);
  const client = new OpenAI({ baseURL: proxy.url, apiKey: key, maxRetries: 0 });

  const direct = async (): Promise<number> => {
    const t0 = performance.now();
    const ollama = new Ollama({ host: server.url });
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: PARAMETERS } }];
    const messages: Message[] = [{ role: 'user', content: QUESTION }];
    let calls: NonNullable<Message['tool_calls']> = [];
    for await (const part of await ollama.chat({ model: 'llama3.2', messages, tools, stream: true })) calls = [...calls, ...(part.message.tool_calls ?? [])];
    if (calls.length !== 1) throw new Error('the node made no call');
    let answer = '';
    const loop: Message[] = [...messages, { role: 'assistant', content: '', tool_calls: calls }, { role: 'tool', content: RESULT, tool_name: 'get_weather' }];
    for await (const part of await ollama.chat({ model: 'llama3.2', messages: loop, tools, stream: true })) answer += part.message.content;
    if (!answer) throw new Error('no answer');
    return performance.now() - t0;
  };
  const endpoint = async (): Promise<number> => {
    const t0 = performance.now();
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: PARAMETERS } }];
    const first = await client.chat.completions.stream({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION }], tools }).finalChatCompletion();
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (!call) throw new Error('the endpoint returned no call');
    const answer = await client.chat.completions
      .stream({ model: 'singularity/auto', messages: [{ role: 'user', content: QUESTION }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: RESULT }], tools })
      .finalContent();
    if (!answer) throw new Error('no answer');
    return performance.now() - t0;
  };

  const paths = { direct, endpoint };
  const names = Object.keys(paths) as (keyof typeof paths)[];
  for (let i = 0; i < 10; i++) for (const name of names) await paths[name]();
  const samples: Record<keyof typeof paths, number[]> = { direct: [], endpoint: [] };
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate the order so neither path always runs on a warmer process.
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      samples[name].push(await paths[name]());
    }
  }
  await close();
  await server.close();

  const d = latencySummary(samples.direct);
  const e = latencySummary(samples.endpoint);
  const result = {
    benchmark: 'one tool round trip (call, then result -> answer), streamed: endpoint with the openai SDK vs the ollama client to the node',
    date: new Date().toISOString(),
    rounds: ROUNDS,
    fixtureLatencyMsPerRequest: LATENCY_MS,
    directMs: d,
    endpointMs: e,
    ratioMedian: e.median / d.median,
    ratioP95: e.p95 / d.p95,
    overheadMedianMs: e.median - d.median,
    node: process.version,
  };
  console.log(`One tool round trip (2 streamed requests) over ${ROUNDS} rounds; the fixture adds ${LATENCY_MS} ms before each first token`);
  console.log(`  ollama client to the node : median ${d.median.toFixed(2)} ms, p95 ${d.p95.toFixed(2)} ms`);
  console.log(`  openai SDK via endpoint   : median ${e.median.toFixed(2)} ms, p95 ${e.p95.toFixed(2)} ms`);
  console.log(`  ratio (median) ${result.ratioMedian.toFixed(3)}, (p95) ${result.ratioP95.toFixed(3)}; overhead +${result.overheadMedianMs.toFixed(2)} ms per round trip`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/tools.json', `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

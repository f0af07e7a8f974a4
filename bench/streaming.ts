// Streaming, end to end: what the OpenAI-compatible endpoint costs, what streaming buys the user, and
// what the chat panel pays to show a fast stream. One run, three parts:
//   1. endpoint overhead: a loopback fake Ollama node (200-token answers at 200 tokens/s, 50 ms before the
//      first token) asked A) directly with the `ollama` client and B) through startProxy with the `openai`
//      client and model singularity/auto (so routing, the pipeline, the store and a second HTTP hop are all
//      in B). A and B alternate request by request, so drift on the machine hits both alike. p50/p95 of
//      time to first token and total time, ratios B/A.
//   2. perceived speed: for several answer lengths and speeds, time to first token vs total time of a
//      streamed answer through the endpoint, and a `stream: false` request through the endpoint for the
//      same answer, measured next to it: the time until the user sees anything, without streaming.
//   3. panel rendering cost: the real chat webview bundle (chatHtmlTemplate, built like esbuild.mjs) in
//      headless Chromium, fed a Markdown answer at 200 tokens/s by a clock inside the page (one
//      page.evaluate per answer, so CDP round trips are not what gets measured). requestAnimationFrame
//      timestamps give frames delivered vs the 60 Hz expectation, frames over 50 ms and the longest gap;
//      a message posted from each frame gives that frame's main-thread work; PerformanceObserver('longtask')
//      and CDP Performance.getMetrics give main-thread time over the answer. Two panels side by side: the
//      working tree's, which renders only the block still growing (webview/chat/incremental.ts), and the
//      one from just before that file was added, which re-rendered the whole answer (markdown-it,
//      highlight.js, DOMPurify, layout) every frame, so its cost grows with the answer. The old panel is
//      built from git (`git archive`) and served in place of the new bundle; BENCH_BASELINE_REV=<rev>
//      picks another commit, BENCH_BASELINE_REV= (empty) skips it. Run at 1,500 and 4,000 tokens.
// Writes bench/results/streaming.json. `BENCH_SCALE=0.2` shrinks request counts and answer lengths for a
// quick look (the published figures use 1). Timings mean little on a busy machine: load averages are
// printed and recorded.

import { endpointOnNode } from './endpointOnNode';
import { timed } from './timing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import * as esbuild from 'esbuild';
import type { CDPSession } from 'playwright-core';
import { startFakeOllama, tokenize, type FakeServer } from '../test/fixtures';
import { CHAT_THEME_STYLE, startWebview, type WebviewUnderTest } from '../test/unit/webviewBrowser';
import { type RunningProxy } from '../src/core/proxy/server';
import { AUTO_MODEL } from '../src/core/proxy/models';
import { chatHtmlTemplate } from '../src/vscode/chatHtmlTemplate';
import type { HostMessage } from '../src/shared/protocol';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const REPO_ROOT = join(__dirname, '..');
const MODEL = 'llama3.2';
const QUESTION = 'How do I debounce a search box and cancel stale requests in TypeScript?';

// Part 1
const OVERHEAD_TOKENS = 200;
const OVERHEAD_TPS = 200;
const LATENCY_MS = 50;
const WARMUP = 5;
const OVERHEAD_N = Math.max(5, Math.round(40 * SCALE));

// Part 2. 800 tokens at 50 tok/s is 16 s per request: each (length, speed) gets as many stream/non-stream
// pairs as fit in a budget, at least one, so the grid stays near a minute. The fake paces tokens on a clock,
// so one sample of a long answer already says what many would.
const PERCEIVED_LENGTHS = [50, 200, 800].map((n) => Math.max(10, Math.round(n * Math.min(1, SCALE))));
const PERCEIVED_SPEEDS = [200, 50];
const PERCEIVED_BUDGET_MS = 8_000 * SCALE;
const PERCEIVED_MAX_PAIRS = 5;

// Part 3
const WEB_TPS = 200;
const WEB_LENGTHS = [1500, 4000].map((n) => Math.max(50, Math.round(n * SCALE)));
/** The chat view docked in the sidebar, as the webview tests size it. */
const VIEWPORT = { width: 420, height: 720 };
const NOMINAL_HZ = 60;
const LONG_FRAME_MS = 50;
/** rAF rate with nothing happening, so "frames kept" can be read against what this Chromium delivers at all. */
const IDLE_MS = 1000;
/** The first of these is dropped: it is the only one that meets a different DOM (the streamed answer). */
const FULL_RENDER_REPEATS = 21;

const LOAD_AT_START = loadavg();

// ---------------------------------------------------------------- the answer

/**
 * A realistic answer: paragraphs, a list, a TypeScript and a Python block, inline code. Longer answers
 * repeat it under new headings, as a long explanation would go on with more of the same kind of text.
 */
const ANSWER_SECTIONS = [
  `Debouncing and cancelling solve two different problems, and a search box usually needs both. Debouncing waits until the user has stopped typing for a short while before sending anything, so typing "typescript" sends one request instead of ten. Cancelling makes sure that when a new request does go out, the answer to an older one can no longer overwrite the results on the screen, even if it arrives later.

The browser gives you everything you need: \`setTimeout\` for the delay and \`AbortController\` for the cancellation. There is no need for a library unless you already use one (RxJS's \`debounceTime\` and \`switchMap\` do exactly this).`,
  `Here is the plan, step by step:

1. Keep one timer handle and one \`AbortController\` per search box, outside the event handler.
2. On every \`input\` event, clear the pending timer and start a new one (250-300 ms feels responsive without flooding the server).
3. When the timer fires, abort the previous controller, create a new one and pass its \`signal\` to \`fetch\`.
4. Ignore the \`AbortError\` that the cancelled \`fetch\` rejects with: it is expected, not a failure.
5. Only render results whose request was not aborted, and show a spinner while one is in flight.`,
  `A small, framework-free version:

\`\`\`ts
interface SearchResult {
  id: string;
  title: string;
  score: number;
}

export function debouncedSearch(input: HTMLInputElement, render: (results: SearchResult[]) => void, delayMs = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;

  const run = async (query: string) => {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    try {
      const response = await fetch(\`/api/search?q=\${encodeURIComponent(query)}\`, { signal });
      if (!response.ok) throw new Error(\`search failed: \${response.status}\`);
      const results = (await response.json()) as SearchResult[];
      if (!signal.aborted) render(results);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') console.error(err);
    }
  };

  const onInput = () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2) return render([]);
    timer = setTimeout(() => void run(query), delayMs);
  };

  input.addEventListener('input', onInput);
  return () => {
    input.removeEventListener('input', onInput);
    clearTimeout(timer);
    controller?.abort();
  };
}
\`\`\``,
  `The function returns a cleanup callback. Call it when the component goes away (in React, return it from \`useEffect\`), otherwise a request started just before the user navigated away can still call \`render\` on a view that no longer exists.

The check \`if (!signal.aborted)\` after \`response.json()\` matters more than it looks. Aborting stops the network request, but if the body had already arrived, \`json()\` may resolve anyway; without the check a stale answer could still slip through in that narrow window.

On the server side, cancellation only helps if the server notices it. Most frameworks expose the client disconnect; stop the expensive work there instead of finishing a query nobody will read:`,
  `\`\`\`python
from fastapi import FastAPI, Request
import asyncio

app = FastAPI()

@app.get("/api/search")
async def search(q: str, request: Request):
    results = []
    async for hit in index.stream_matches(q, limit=50):
        if await request.is_disconnected():
            # The browser aborted: stop scanning the index.
            return []
        results.append({"id": hit.id, "title": hit.title, "score": hit.score})
    results.sort(key=lambda r: r["score"], reverse=True)
    return results[:20]
\`\`\``,
  `A few things that commonly go wrong:

- **Debouncing the render instead of the request.** The user still waits for every request; only the flicker goes away.
- **A new \`AbortController\` per keystroke without aborting the old one.** Every request still runs to completion.
- **Treating \`AbortError\` as an error.** Users see "search failed" toasts for requests they never cared about.
- **Too long a delay.** Above roughly 400 ms the box starts to feel sluggish; measure with real users if you can.
- **Forgetting empty input.** Clearing the box should clear the results immediately, without a request.

With these pieces in place the search box sends one request per pause in typing, never shows results for an older query than the one in the box, and stops server work that nobody is waiting for.`,
];

function answerText(minChars: number): string {
  const parts: string[] = [];
  for (let round = 0; parts.join('\n\n').length < minChars; round++) {
    if (round > 0) parts.push(`## More on this (${round + 1})`);
    parts.push(...ANSWER_SECTIONS);
  }
  return parts.join('\n\n');
}

/** The fake node's tokens are words with their leading whitespace (its `tokenize`); a reply of exactly n of them. */
function nodeReply(tokens: number): string {
  return tokenize(answerText(tokens * 12)).slice(0, tokens).join('');
}

/**
 * Model tokens as the panel receives them: about 4 characters each (what BPE tokenizers average on
 * English and code), whitespace attached to the following piece. Joining them gives the text back.
 */
function panelTokens(count: number): string[] {
  const pieces = answerText(count * 6).match(/\s*\S{1,4}|\s+$/g) ?? [];
  return pieces.slice(0, count);
}

// ---------------------------------------------------------------- statistics and printing

function pct(samples: readonly number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

function summarize(samples: readonly number[]): Summary {
  return { n: samples.length, p50: pct(samples, 0.5), p95: pct(samples, 0.95), mean: mean(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const share = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');

/** Left-aligned first column, right-aligned figures (as the other benches print). */
function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
}

const fmtLoad = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');

// ---------------------------------------------------------------- the two paths

interface Timing {
  ttftMs: number;
  totalMs: number;
  tokens: number;
}

interface Harness {
  node: FakeServer;
  proxy: RunningProxy;
  ollama: Ollama;
  openai: OpenAI;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const node = await startFakeOllama({ models: [`${MODEL}:latest`], tokensPerSecond: OVERHEAD_TPS, latencyMs: LATENCY_MS, reply: () => nodeReply(OVERHEAD_TOKENS) });
  const endpoint = await endpointOnNode(node.url);
  const { proxy, key } = endpoint;
  return {
    node,
    proxy,
    // One client each, as an application would keep: connection reuse is part of what a real caller gets.
    ollama: new Ollama({ host: node.url }),
    openai: new OpenAI({ baseURL: proxy.url, apiKey: key, maxRetries: 0 }),
    async close() {
      await endpoint.close();
      await node.close();
    },
  };
}

const messages = [{ role: 'user' as const, content: QUESTION }];

async function direct(h: Harness): Promise<Timing> {
  const t0 = performance.now();
  let ttftMs = NaN;
  let tokens = 0;
  const stream = await h.ollama.chat({ model: MODEL, messages, stream: true });
  for await (const part of stream) {
    if (!part.message.content) continue;
    if (tokens++ === 0) ttftMs = performance.now() - t0;
  }
  return { ttftMs, totalMs: performance.now() - t0, tokens };
}

async function viaEndpoint(h: Harness): Promise<Timing> {
  const t0 = performance.now();
  let ttftMs = NaN;
  let tokens = 0;
  const stream = await h.openai.chat.completions.create({ model: AUTO_MODEL, messages, stream: true });
  // The first chunk carries only the role (content ''); the user sees nothing until real content.
  for await (const chunk of stream) {
    if (!chunk.choices[0]?.delta?.content) continue;
    if (tokens++ === 0) ttftMs = performance.now() - t0;
  }
  return { ttftMs, totalMs: performance.now() - t0, tokens };
}

async function viaEndpointWhole(h: Harness): Promise<{ totalMs: number; chars: number }> {
  const t0 = performance.now();
  const completion = await h.openai.chat.completions.create({ model: AUTO_MODEL, messages, stream: false });
  return { totalMs: performance.now() - t0, chars: completion.choices[0]?.message.content?.length ?? 0 };
}

function expectTokens(t: Timing, expected: number, what: string): Timing {
  // A short answer would make a path look fast for the wrong reason.
  if (t.tokens !== expected) throw new Error(`${what}: ${t.tokens} content chunks, expected ${expected}`);
  return t;
}

// ---------------------------------------------------------------- 1. endpoint overhead

interface OverheadResult {
  requests: number;
  warmup: number;
  answerTokens: number;
  tokensPerSecond: number;
  latencyMs: number;
  direct: { ttftMs: Summary; totalMs: Summary };
  endpoint: { ttftMs: Summary; totalMs: Summary };
  ratios: { ttftP50: number; ttftP95: number; totalP50: number; totalP95: number };
  /** Median over iterations of B minus A (the two requests of one iteration run back to back). */
  pairedDifferenceMs: { ttftP50: number; totalP50: number };
}

async function overhead(h: Harness): Promise<OverheadResult> {
  h.node.setOptions({ tokensPerSecond: OVERHEAD_TPS, reply: () => nodeReply(OVERHEAD_TOKENS) });
  for (let i = 0; i < WARMUP; i++) {
    expectTokens(await direct(h), OVERHEAD_TOKENS, 'warm-up, ollama client');
    expectTokens(await viaEndpoint(h), OVERHEAD_TOKENS, 'warm-up, endpoint');
  }
  const a: Timing[] = [];
  const b: Timing[] = [];
  for (let i = 0; i < OVERHEAD_N; i++) {
    // Alternate which goes first so neither always runs right after the other's store write or GC.
    if (i % 2 === 0) {
      a.push(expectTokens(await direct(h), OVERHEAD_TOKENS, 'ollama client'));
      b.push(expectTokens(await viaEndpoint(h), OVERHEAD_TOKENS, 'endpoint'));
    } else {
      b.push(expectTokens(await viaEndpoint(h), OVERHEAD_TOKENS, 'endpoint'));
      a.push(expectTokens(await direct(h), OVERHEAD_TOKENS, 'ollama client'));
    }
  }
  const side = (xs: Timing[]) => ({ ttftMs: summarize(xs.map((x) => x.ttftMs)), totalMs: summarize(xs.map((x) => x.totalMs)) });
  const A = side(a);
  const B = side(b);
  return {
    requests: OVERHEAD_N,
    warmup: WARMUP,
    answerTokens: OVERHEAD_TOKENS,
    tokensPerSecond: OVERHEAD_TPS,
    latencyMs: LATENCY_MS,
    direct: A,
    endpoint: B,
    ratios: { ttftP50: B.ttftMs.p50 / A.ttftMs.p50, ttftP95: B.ttftMs.p95 / A.ttftMs.p95, totalP50: B.totalMs.p50 / A.totalMs.p50, totalP95: B.totalMs.p95 / A.totalMs.p95 },
    pairedDifferenceMs: { ttftP50: pct(b.map((x, i) => x.ttftMs - a[i]!.ttftMs), 0.5), totalP50: pct(b.map((x, i) => x.totalMs - a[i]!.totalMs), 0.5) },
  };
}

function printOverhead(r: OverheadResult): void {
  printTable(
    `1. Endpoint overhead: ${r.answerTokens}-token answers at ${r.tokensPerSecond} tok/s, ${r.latencyMs} ms before the first token; ${r.requests} requests each, A/B alternating, after ${r.warmup} warm-up pairs (ms)`,
    ['path', 'TTFT p50', 'TTFT p95', 'TTFT mean', 'total p50', 'total p95', 'total mean'],
    [
      ['A  ollama client -> node', r.direct.ttftMs, r.direct.totalMs] as const,
      ['B  openai client -> endpoint (singularity/auto) -> node', r.endpoint.ttftMs, r.endpoint.totalMs] as const,
    ].map(([name, t, total]) => [name, ms(t.p50), ms(t.p95), ms(t.mean), ms(total.p50), ms(total.p95), ms(total.mean)]),
  );
  printTable(
    '   B/A',
    ['figure', 'ratio p50', 'ratio p95', 'paired B-A p50 (ms)'],
    [
      ['time to first token', ratio(r.ratios.ttftP50), ratio(r.ratios.ttftP95), ms(r.pairedDifferenceMs.ttftP50)],
      ['total time', ratio(r.ratios.totalP50), ratio(r.ratios.totalP95), ms(r.pairedDifferenceMs.totalP50)],
    ],
  );
}

// ---------------------------------------------------------------- 2. perceived speed

interface PerceivedResult {
  answerTokens: number;
  tokensPerSecond: number;
  pairs: number;
  streamed: { ttftMs: Summary; totalMs: Summary };
  notStreamed: { totalMs: Summary };
  /** From the p50s of the streamed requests. */
  ttftOverTotal: number;
  /** Share of the wait that streaming turns into reading time: (total - TTFT) / total. */
  gain: number;
  totalOverTtft: number;
  /** Measured: non-streamed total over streamed TTFT, both p50. */
  firstSightSpeedup: number;
}

async function perceived(h: Harness): Promise<PerceivedResult[]> {
  const out: PerceivedResult[] = [];
  for (const tps of PERCEIVED_SPEEDS) {
    for (const tokens of PERCEIVED_LENGTHS) {
      h.node.setOptions({ tokensPerSecond: tps, reply: () => nodeReply(tokens) });
      const expectedMs = LATENCY_MS + (tokens * 1000) / tps;
      const pairs = Math.max(1, Math.min(PERCEIVED_MAX_PAIRS, Math.floor(PERCEIVED_BUDGET_MS / (2 * expectedMs))));
      const streamed: Timing[] = [];
      const whole: number[] = [];
      for (let i = 0; i < pairs; i++) {
        const stream = async () => streamed.push(expectTokens(await viaEndpoint(h), tokens, `endpoint, ${tokens} tokens`));
        const nonStream = async () => whole.push((await viaEndpointWhole(h)).totalMs);
        if (i % 2 === 0) {
          await stream();
          await nonStream();
        } else {
          await nonStream();
          await stream();
        }
      }
      const ttft = summarize(streamed.map((x) => x.ttftMs));
      const total = summarize(streamed.map((x) => x.totalMs));
      const notStreamed = summarize(whole);
      out.push({
        answerTokens: tokens,
        tokensPerSecond: tps,
        pairs,
        streamed: { ttftMs: ttft, totalMs: total },
        notStreamed: { totalMs: notStreamed },
        ttftOverTotal: ttft.p50 / total.p50,
        gain: (total.p50 - ttft.p50) / total.p50,
        totalOverTtft: total.p50 / ttft.p50,
        firstSightSpeedup: notStreamed.p50 / ttft.p50,
      });
    }
  }
  return out;
}

function printPerceived(rs: readonly PerceivedResult[]): void {
  printTable(
    `2. Perceived speed through the endpoint: time until the user sees anything, streamed vs not (p50 ms; ${LATENCY_MS} ms before the first token)`,
    ['answer', 'n', 'stream TTFT', 'stream total', 'TTFT/total', 'gain (total-TTFT)/total', 'total/TTFT', 'stream:false total', 'stream:false / stream TTFT'],
    rs.map((r) => [
      `${r.answerTokens} tok @ ${r.tokensPerSecond} tok/s`,
      String(r.pairs),
      ms(r.streamed.ttftMs.p50),
      ms(r.streamed.totalMs.p50),
      share(r.ttftOverTotal),
      share(r.gain),
      `${r.totalOverTtft.toFixed(1)}x`,
      ms(r.notStreamed.totalMs.p50),
      `${r.firstSightSpeedup.toFixed(1)}x`,
    ]),
  );
}

// ---------------------------------------------------------------- 3. panel rendering



interface InPageResult {
  /** rAF timestamps (when the compositor began each frame). */
  frames: number[];
  /** performance.now() as each frame's callbacks started: later than the timestamp when the main thread was busy. */
  callbackAt: number[];
  /** Main-thread ms of each frame, same order as frames. */
  frameWork: number[];
  streamStart: number;
  streamEnd: number;
  /** First frame after answerEnd was posted: the final full render has run by then. */
  endFrame: number;
  endPosted: number;
  longTasks: { start: number; duration: number }[];
  /** Largest delay of the in-page token clock behind schedule: how long the main thread kept it waiting. */
  maxPosterLagMs: number;
  renderedChars: number;
  incrementalBlocksSeen: boolean;
}

interface WebRunArgs {
  tokens: string[];
  tokensPerSecond: number;
  requestId: string;
}

/** Runs inside the page: rAF timestamps over `ms` with nothing happening. */
function idleFramesInPage(ms: number): Promise<number[]> {
  const frames: number[] = [];
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const onFrame = (t: number) => {
      frames.push(t);
      if (t < until) requestAnimationFrame(onFrame);
      else resolve(frames);
    };
    requestAnimationFrame(onFrame);
  });
}

/** Runs inside the page: the host's messages are window.postMessage'd exactly as VS Code delivers them. */
function streamInPage(args: WebRunArgs): Promise<InPageResult> {
  const { tokens, tokensPerSecond, requestId } = args;
  const post = (m: HostMessage) => window.postMessage(m, '*');
  const frames: number[] = [];
  const longTasks: { start: number; duration: number }[] = [];
  const frameWork: number[] = [];
  const callbackAt: number[] = [];
  let recording = true;
  // A message posted from the first rAF callback is handled once the frame's work is done (the panel's
  // render callback, style, layout, paint), so the time in between is what the frame cost the main thread.
  const channel = new MessageChannel();
  channel.port1.onmessage = (e: MessageEvent<number>) => frameWork.push(performance.now() - e.data);
  const onFrame = (t: number) => {
    const now = performance.now();
    frames.push(t);
    callbackAt.push(now);
    channel.port2.postMessage(now);
    if (recording) requestAnimationFrame(onFrame);
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  });
  observer.observe({ type: 'longtask' });
  requestAnimationFrame(onFrame);
  post({ type: 'answerStart', requestId, userEntry: { id: `${requestId}-q`, role: 'user', text: 'How do I debounce a search box and cancel stale requests in TypeScript?' } });
  const streamStart = performance.now();
  const interval = 1000 / tokensPerSecond;
  return new Promise((resolve) => {
    let sent = 0;
    let maxPosterLagMs = 0;
    let incrementalBlocksSeen = false;
    // Clock-driven like the fake node: every token due by now goes out on each tick, so a blocked main
    // thread makes tokens arrive in a burst (as host messages queue up) rather than slowing the model down.
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(tokens.length, Math.floor((now - streamStart) / interval) + 1);
      if (due > sent) maxPosterLagMs = Math.max(maxPosterLagMs, now - (streamStart + sent * interval));
      while (sent < due) post({ type: 'token', requestId, text: tokens[sent++]! });
      if (!incrementalBlocksSeen && sent > tokens.length / 2) incrementalBlocksSeen = document.querySelector('.msg.assistant .md-settled') !== null;
      if (sent < tokens.length) return;
      clearInterval(timer);
      const streamEnd = performance.now();
      post({ type: 'answerEnd', requestId, entry: { id: `${requestId}-a`, role: 'assistant', text: tokens.join('') } });
      // The message is dispatched as a task after this one; the frame after that shows the final render.
      setTimeout(() => {
        requestAnimationFrame((endFrame) => {
          recording = false;
          observer.disconnect();
          channel.port1.close();
          resolve({
            frames,
            callbackAt,
            frameWork,
            streamStart,
            streamEnd,
            endFrame,
            endPosted: streamEnd,
            longTasks,
            maxPosterLagMs,
            renderedChars: document.querySelector('.msg.assistant .content')?.textContent?.length ?? 0,
            incrementalBlocksSeen,
          });
        });
      }, 0);
    }, interval);
  });
}

/**
 * Runs inside the page: one synchronous re-render of the whole answer, the unit of work the streaming view
 * repeats every frame. A 'history' message dispatched synchronously goes through the same markdown-it,
 * highlight.js and DOMPurify path, and MessageList scrolls to the end, which forces layout in the same call.
 */
function fullRenderInPage(args: { text: string; repeats: number }): number[] {
  const times: number[] = [];
  for (let i = 0; i < args.repeats; i++) {
    const data: HostMessage = { type: 'history', entries: [{ id: `full-${i}`, role: 'assistant', text: args.text }] };
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data }));
    times.push(performance.now() - t0);
  }
  return times;
}

interface RenderResult {
  panel: string;
  /** Whether the streaming answer had the incremental renderer's settled blocks halfway through: which panel really ran. */
  incrementalBlocksSeen: boolean;
  tokens: number;
  chars: number;
  tokensPerSecond: number;
  streamMs: number;
  idleFps: number;
  framesDelivered: number;
  framesExpected60Hz: number;
  framesKept: number;
  /** Against the idle rate of this Chromium, in case it does not reach 60 Hz on its own. */
  framesKeptVsIdle: number;
  longFrames: number;
  maxFrameGapMs: number;
  p95FrameGapMs: number;
  /** Main-thread ms per frame while tokens arrive (rAF callbacks, style, layout, paint); the budget at 60 Hz is 16.7. */
  frameWorkMs: { p50: number; p95: number; max: number; firstTenthMean: number; lastTenthMean: number };
  /** From answerEnd posted to the frame after the final full render. */
  finalRenderToFrameMs: number;
  /** From the last frame of the stream to the next one, which waited for the final render. */
  endGapMs: number;
  /** One synchronous render of the complete answer (markdown, highlighting, sanitizing, DOM, layout), after the stream. */
  fullRenderMs: Summary;
  maxPosterLagMs: number;
  longTasks: { count: number; totalMs: number; maxMs: number };
  /** CDP Performance.getMetrics deltas over the streamed answer, ms, and TaskDuration as a share of wall time. */
  mainThread: { taskMs: number; scriptMs: number; layoutMs: number; styleMs: number; wallMs: number; busyShare: number };
}

interface PanelBuild {
  /** What the table calls it. */
  label: string;
  /** The commit it was built from; undefined for the working tree. */
  rev?: string;
  /** Served in place of the working tree's bundle; undefined serves the working tree's own. */
  assets?: { js: string; css: string };
}

const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 });

/** The commit before webview/chat/incremental.ts was added: the panel that re-rendered the whole answer per frame. */
function baselineRev(): string | undefined {
  const chosen = process.env.BENCH_BASELINE_REV;
  if (chosen !== undefined) return chosen || undefined;
  try {
    const added = git(['log', '--diff-filter=A', '--format=%H', '--', 'webview/chat/incremental.ts']).toString().trim().split('\n').pop();
    return added ? `${added}^` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The chat bundle as it was at `rev`, built with esbuild.mjs's options from a `git archive` in a temporary
 * folder (the working tree is not touched); packages resolve from this checkout's node_modules.
 */
async function buildAt(rev: string): Promise<PanelBuild> {
  const commit = git(['rev-parse', '--short', rev]).toString().trim();
  const subject = git(['log', '-1', '--format=%s', rev]).toString().trim();
  const dir = mkdtempSync(join(tmpdir(), 'chat-baseline-'));
  try {
    execFileSync('tar', ['-x', '-C', dir], { input: git(['archive', '--format=tar', rev, 'webview', 'src', 'tsconfig.json']) });
    const common: esbuild.BuildOptions = { absWorkingDir: dir, bundle: true, minify: true, legalComments: 'none', logLevel: 'warning', write: false, nodePaths: [join(REPO_ROOT, 'node_modules')] };
    const [js, css] = await Promise.all([
      esbuild.build({ ...common, entryPoints: ['webview/chat/main.ts'], outfile: join(dir, 'out', 'chat.js'), platform: 'browser', format: 'iife', target: 'es2022' }),
      esbuild.build({ ...common, entryPoints: ['webview/chat/chat.css'], outfile: join(dir, 'out', 'chat.css'), loader: { '.ttf': 'file' } }),
    ]);
    const output = (r: esbuild.BuildResult, ext: string) => {
      const file = r.outputFiles?.find((f) => f.path.endsWith(ext));
      if (!file) throw new Error(`no ${ext} output building the chat panel at ${rev}`);
      return file.text;
    };
    return { label: `whole answer per frame (${commit})`, rev: `${commit} ${subject}`, assets: { js: output(js, '.js'), css: output(css, '.css') } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cdpMetrics(session: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await session.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function renderRun(web: WebviewUnderTest, build: PanelBuild, count: number, index: number): Promise<RenderResult> {
  // A fresh page per run: an earlier answer's DOM must not be in a later one's layout cost.
  const page = await web.newPage(VIEWPORT);
  try {
    if (build.assets) {
      const { js, css } = build.assets;
      await page.route(`${web.origin}/assets/chat.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: js }));
      await page.route(`${web.origin}/assets/chat.css`, (route) => route.fulfill({ contentType: 'text/css', body: css }));
      await page.reload();
    }
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    const session = await page.context().newCDPSession(page);
    await session.send('Performance.enable', { timeDomain: 'threadTicks' });
    // tsx compiles with keepNames, which wraps the page function's inner closures in a `__name` helper
    // that exists only in Node; an identity stand-in in the page keeps the function as written.
    await page.evaluate('globalThis.__name = (fn) => fn');
    const tokens = panelTokens(count);
    const idleFrames = await page.evaluate(idleFramesInPage, IDLE_MS);
    const before = await cdpMetrics(session);
    const wall0 = performance.now();
    const r = await page.evaluate(streamInPage, { tokens, tokensPerSecond: WEB_TPS, requestId: `bench-${index}` });
    const wallMs = performance.now() - wall0;
    const after = await cdpMetrics(session);
    await session.detach();
    const text = tokens.join('');
    const fullRender = await page.evaluate(fullRenderInPage, { text, repeats: FULL_RENDER_REPEATS });
    // A page that dropped or mangled the answer would look fast for the wrong reason.
    if (r.renderedChars < text.length * 0.6) throw new Error(`panel shows ${r.renderedChars} characters of a ${text.length}-character answer`);

    const streamMs = r.streamEnd - r.streamStart;
    const inStream = r.frames.filter((f) => f <= r.streamEnd);
    const work = r.frameWork.slice(0, inStream.length);
    // Gaps between frames by when their callbacks ran, not by rAF timestamps: Chromium stamps a frame when
    // the compositor asks for it, so a main thread that was busy shows up as a late callback, not as a gap
    // between timestamps. From the stream's start to its last frame: the frame after it carries the final
    // whole-answer render of answerEnd, reported on its own (endGapMs, finalRenderToFrameMs).
    const ran = r.callbackAt.slice(0, inStream.length);
    const gaps = ran.map((at, i) => at - (i === 0 ? r.streamStart : ran[i - 1]!));
    const afterEnd = r.callbackAt[inStream.length];
    const idleFps = (idleFrames.length - 1) / (((idleFrames[idleFrames.length - 1] ?? 0) - (idleFrames[0] ?? 0)) / 1000);
    const expected = (streamMs / 1000) * NOMINAL_HZ;
    const delta = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) * 1000;
    return {
      panel: build.label,
      incrementalBlocksSeen: r.incrementalBlocksSeen,
      tokens: tokens.length,
      chars: text.length,
      tokensPerSecond: WEB_TPS,
      streamMs,
      idleFps,
      framesDelivered: inStream.length,
      framesExpected60Hz: expected,
      framesKept: inStream.length / expected,
      framesKeptVsIdle: inStream.length / ((streamMs / 1000) * idleFps),
      longFrames: gaps.filter((g) => g > LONG_FRAME_MS).length,
      maxFrameGapMs: Math.max(...gaps),
      p95FrameGapMs: pct(gaps, 0.95),
      frameWorkMs: {
        p50: pct(work, 0.5),
        p95: pct(work, 0.95),
        max: Math.max(...work),
        // The render is of the whole answer so far: its cost at the start vs at the end of the stream.
        firstTenthMean: mean(work.slice(0, Math.max(1, Math.floor(work.length / 10)))),
        lastTenthMean: mean(work.slice(-Math.max(1, Math.floor(work.length / 10)))),
      },
      finalRenderToFrameMs: r.endFrame - r.endPosted,
      endGapMs: afterEnd === undefined ? NaN : afterEnd - (ran[ran.length - 1] ?? r.streamStart),
      fullRenderMs: summarize(fullRender.slice(1)),
      maxPosterLagMs: r.maxPosterLagMs,
      longTasks: { count: r.longTasks.length, totalMs: r.longTasks.reduce((s, t) => s + t.duration, 0), maxMs: Math.max(0, ...r.longTasks.map((t) => t.duration)) },
      mainThread: {
        taskMs: delta('TaskDuration'),
        scriptMs: delta('ScriptDuration'),
        layoutMs: delta('LayoutDuration'),
        styleMs: delta('RecalcStyleDuration'),
        wallMs,
        busyShare: delta('TaskDuration') / wallMs,
      },
    };
  } finally {
    await page.close();
  }
}

async function rendering(): Promise<{ chromium: string; panels: Omit<PanelBuild, 'assets'>[]; results: RenderResult[] }> {
  const rev = baselineRev();
  const builds: PanelBuild[] = [...(rev ? [await buildAt(rev)] : []), { label: 'incremental (working tree)' }];
  const web = await startWebview({ name: 'chat', template: chatHtmlTemplate, themeStyle: CHAT_THEME_STYLE });
  try {
    const results: RenderResult[] = [];
    let index = 0;
    for (const count of WEB_LENGTHS) for (const build of builds) results.push(await renderRun(web, build, count, index++));
    const probe = await web.newPage(VIEWPORT);
    const chromium = probe.context().browser()?.version() ?? 'unknown';
    await probe.close();
    return { chromium, panels: builds.map(({ label, rev: at }) => ({ label, rev: at })), results };
  } finally {
    await web.close();
  }
}

function printRendering(chromium: string, rs: readonly RenderResult[]): void {
  printTable(
    `3. Chat panel rendering at ${WEB_TPS} tok/s in headless Chromium ${chromium} (${VIEWPORT.width}x${VIEWPORT.height}; tokens ~4 characters; frames while tokens arrive; end gap: last frame of the stream to the next, which waits for answerEnd's whole-answer render)`,
    ['panel, answer', 'settled blocks seen', 'stream s', 'idle fps', 'frames', 'expected @60Hz', 'frames kept', 'long frames >50ms', 'max gap ms', 'p95 gap ms', 'end gap ms'],
    rs.map((r) => [
      `${r.panel}, ${r.tokens} tokens (${r.chars} chars)`,
      r.incrementalBlocksSeen ? 'yes' : 'no',
      (r.streamMs / 1000).toFixed(2),
      r.idleFps.toFixed(1),
      String(r.framesDelivered),
      r.framesExpected60Hz.toFixed(0),
      share(r.framesKept),
      String(r.longFrames),
      ms(r.maxFrameGapMs),
      ms(r.p95FrameGapMs),
      ms(r.endGapMs),
    ]),
  );
  printTable(
    `   main-thread work per frame while tokens arrive, ms (budget at ${NOMINAL_HZ} Hz: ${(1000 / NOMINAL_HZ).toFixed(1)}); last column: one synchronous render of the whole finished answer`,
    ['panel, answer', 'p50', 'p95', 'max', 'mean first 10% of frames', 'mean last 10% of frames', 'whole-answer render p50'],
    rs.map((r) => [
      `${r.panel}, ${r.tokens} tokens`,
      ms(r.frameWorkMs.p50),
      ms(r.frameWorkMs.p95),
      ms(r.frameWorkMs.max),
      ms(r.frameWorkMs.firstTenthMean),
      ms(r.frameWorkMs.lastTenthMean),
      ms(r.fullRenderMs.p50),
    ]),
  );
  printTable(
    '   main thread during the answer (CDP Performance.getMetrics deltas; long tasks from PerformanceObserver)',
    ['panel, answer', 'wall ms', 'task ms', 'busy', 'script ms', 'layout ms', 'style ms', 'long tasks', 'long task ms', 'max long task ms', 'token clock max lag ms'],
    rs.map((r) => [
      `${r.panel}, ${r.tokens} tokens`,
      ms(r.mainThread.wallMs),
      ms(r.mainThread.taskMs),
      share(r.mainThread.busyShare),
      ms(r.mainThread.scriptMs),
      ms(r.mainThread.layoutMs),
      ms(r.mainThread.styleMs),
      String(r.longTasks.count),
      ms(r.longTasks.totalMs),
      ms(r.longTasks.maxMs),
      ms(r.maxPosterLagMs),
    ]),
  );
}

// ---------------------------------------------------------------- main


async function main() {
  const started = performance.now();
  const seconds: Record<string, number> = {};
  console.log(
    `Streaming bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${fmtLoad(LOAD_AT_START)}${SCALE !== 1 ? `, BENCH_SCALE=${SCALE}` : ''}`,
  );
  const harness = await startHarness();
  let overheadResult: OverheadResult;
  let perceivedResults: PerceivedResult[];
  try {
    overheadResult = await timed(seconds, 'overhead', () => overhead(harness));
    printOverhead(overheadResult);
    perceivedResults = await timed(seconds, 'perceived', () => perceived(harness));
    printPerceived(perceivedResults);
  } finally {
    await harness.close();
  }
  const render = await timed(seconds, 'rendering', rendering);
  printRendering(render.chromium, render.results);

  const loadAtEnd = loadavg();
  seconds.total = (performance.now() - started) / 1000;
  console.log(`\nRuntime ${seconds.total.toFixed(1)} s (${Object.entries(seconds).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}); load average at end ${fmtLoad(loadAtEnd)}`);

  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'streaming.json'),
    `${JSON.stringify(
      {
        benchmark: 'streaming: endpoint overhead, perceived speed, panel rendering',
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().map((c) => ({ model: c.model, speedMHz: c.speed })),
          platform: `${platform()} ${release()}`,
          node: process.version,
          chromium: render.chromium,
          loadAverageAtStart: LOAD_AT_START,
          loadAverageAtEnd: loadAtEnd,
        },
        settings: {
          scale: SCALE,
          model: MODEL,
          question: QUESTION,
          node: 'test/fixtures startFakeOllama on 127.0.0.1; a token is a word with its leading whitespace',
          overhead: { requests: OVERHEAD_N, warmup: WARMUP, answerTokens: OVERHEAD_TOKENS, tokensPerSecond: OVERHEAD_TPS, latencyMs: LATENCY_MS, endpointModel: AUTO_MODEL },
          perceived: { lengths: PERCEIVED_LENGTHS, speeds: PERCEIVED_SPEEDS, budgetMsPerCell: PERCEIVED_BUDGET_MS, maxPairs: PERCEIVED_MAX_PAIRS, latencyMs: LATENCY_MS },
          rendering: {
            panels: render.panels,
            lengths: WEB_LENGTHS,
            tokensPerSecond: WEB_TPS,
            viewport: VIEWPORT,
            nominalHz: NOMINAL_HZ,
            longFrameMs: LONG_FRAME_MS,
            idleMs: IDLE_MS,
            fullRenderRepeats: FULL_RENDER_REPEATS,
            token: 'about 4 characters, leading whitespace attached (/\\s*\\S{1,4}/)',
          },
          percentile: 'nearest rank: sorted[floor(q * n)]',
        },
        overhead: overheadResult,
        perceived: perceivedResults,
        rendering: render.results,
        runtimeSeconds: seconds,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

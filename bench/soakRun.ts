// The soak harness shared by bench/soak.ts (1,000 requests) and test/integration/soak.test.ts (200):
// three fixture Ollama nodes and one fixture OpenAI cloud on loopback, routing built with createRouting
// over an in-memory store, and a seeded mix of chat-style ask() calls (some stopped at a random moment),
// runBatch calls of 10 items, and requests through the OpenAI-compatible endpoint with the `openai` client
// (streaming or not, some abandoned by the client), with faults injected by a seeded schedule and one node killed at 40%.
// It counts how every request ended and, above all, whether any was LOST: no end event, an exception
// escaping ask()/runBatch(), a request never ending, or a request missing from the requests table.

import { seededRandom } from '../src/core/random';
import { randomUUID } from 'node:crypto';
import { startFakeOllama, startFakeOpenAI, type Fault, type FakeServer } from '../test/fixtures';
import { createRouting } from '../src/core/app';
import { Store } from '../src/core/store/db';
import { Requests, type RequestRecord } from '../src/core/store/requests';
import { silentLogger } from '../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../src/core/config';
import { DEFAULT_PRIVACY } from '../src/core/context/cloudPolicy';
import { ask, type AskResult } from '../src/core/pipeline';
import { runBatch, type BatchItem, type BatchResult } from '../src/core/batch/parallel';
import type { PipelineDeps } from '../src/core/pipeline';
import type { RouteRequest } from '../src/core/types';
import { startProxy, type RunningProxy } from '../src/core/proxy/server';
import OpenAI, { APIError } from 'openai';

export type FaultKind = Exclude<Fault['kind'], 'none'>;
export const FAULT_KINDS: FaultKind[] = ['http500', 'http429', 'hang', 'dropMidStream', 'malformedLine', 'slowDrip'];

export interface SoakOptions {
  /** Requests in total: chat asks plus batch items (batches are 10 items each). */
  requests: number;
  seed: number;
  /** Requests in flight at once (a batch holds `batchConcurrency` of them). Default 12. */
  concurrency?: number;
  /** Share of requests made inside runBatch calls. Default 0.3. */
  batchShare?: number;
  /** Share of requests made through the OpenAI-compatible endpoint. Default 0.15. */
  proxyShare?: number;
  /** Items per batch. Default 10. */
  batchSize?: number;
  /** Items of one batch in flight at once. Default 3. */
  batchConcurrency?: number;
  /** Per-request deadline (chat: AbortSignal.timeout combined with Stop; batch: timeoutMs). Default 3000. */
  timeoutMs?: number;
  /** Chance that a unit of work (one chat or one batch) is preceded by an injected one-shot fault. Default 0.3. */
  faultRate?: number;
  /** Chance that a chat request is stopped at a random moment. Default 0.12. */
  stopRate?: number;
  /** Chance that a chat request asks for the cloud explicitly. Default 0.2. */
  cloudShare?: number;
  /** Node killed (closed, sockets dropped) at this fraction of the run; undefined for none. Default 0.4. */
  killAt?: number | undefined;
  /** A unit still running after this long counts as never ending (LOST). Default 30 s. */
  stuckAfterMs?: number;
  /** Fault-free requests before measuring (not counted). Default 20. */
  warmup?: number;
  tokensPerSecond?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Counts {
  attempted: number;
  ok: number;
  /** outcome error (batch: error or timeout) with a non-empty message. */
  cleanErrors: number;
  /** outcome error without a message: not clean, listed in problems. */
  errorsWithoutMessage: number;
  cancelled: number;
}

export interface SoakReport {
  seed: number;
  requests: number;
  durationMs: number;
  total: Counts;
  chat: Counts & { stopped: number; timedOut: number };
  batch: Counts & { batches: number; timeouts: number; retried: number; askCalls: number };
  /** Endpoint requests; cancelled = abandoned by the client (its Stop or deadline). */
  proxy: Counts & { streamed: number; abandoned: number };
  lost: number;
  /** Why each lost request was lost (at most 50 lines). */
  problems: string[];
  faultsInjected: Record<FaultKind, number>;
  /** Faults applied with setOptions for a window of the run (every request on that server meanwhile). */
  faultWindows: string[];
  killedNode: string | undefined;
  unhandledRejections: number;
  rows: { total: number; chat: number; batch: number; proxy: number; warmup: number; expected: number; outcomeMismatches: number; missingChatIds: number; duplicateIds: number };
  heap: { gcAvailable: boolean; beforeMB: number; afterMB: number; growthMB: number; externalBeforeMB: number; externalAfterMB: number };
  serverChats: Record<string, number>;
}


const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) return false;
  g();
  g();
  return true;
}

const REPLY = 'A short simulated answer: closures capture variables from the scope where they are defined, so inner functions keep access.';

function emptyCounts(): Counts {
  return { attempted: 0, ok: 0, cleanErrors: 0, errorsWithoutMessage: 0, cancelled: 0 };
}

/** A counting semaphore: `acquire(n)` waits until n slots are free. */
class Slots {
  private used = 0;
  private readonly waiting: { n: number; go: () => void }[] = [];
  constructor(private readonly size: number) {}
  async acquire(n: number): Promise<void> {
    n = Math.min(n, this.size);
    if (this.waiting.length === 0 && this.used + n <= this.size) {
      this.used += n;
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ n, go }));
  }
  release(n: number): void {
    this.used -= Math.min(n, this.size);
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.n <= this.size) {
      const w = this.waiting.shift()!;
      this.used += w.n;
      w.go();
    }
  }
}

type Unit = { kind: 'chat'; index: number } | { kind: 'batch'; index: number; size: number } | { kind: 'proxy'; index: number };

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const o = {
    concurrency: 12,
    batchShare: 0.3,
    proxyShare: 0.15,
    batchSize: 10,
    batchConcurrency: 3,
    timeoutMs: 3000,
    faultRate: 0.3,
    stopRate: 0.12,
    cloudShare: 0.2,
    killAt: 0.4 as number | undefined,
    stuckAfterMs: 30_000,
    warmup: 20,
    tokensPerSecond: 5000,
    ...options,
  };
  const rand = seededRandom(o.seed);
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < 50) problems.push(p);
  };

  let unhandledRejections = 0;
  const onUnhandled = (reason: unknown) => {
    unhandledRejections++;
    problem(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  };
  process.on('unhandledRejection', onUnhandled);

  const servers: FakeServer[] = [];
  let store: Store | undefined;
  let proxyServer: RunningProxy | undefined;
  let report: SoakReport;
  try {
    const nodeServers = await Promise.all(
      [0, 1, 2].map((i) => startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: o.tokensPerSecond, label: `node${i}`, reply: () => REPLY })),
    );
    const cloudServer = await startFakeOpenAI({ models: ['gpt-test'], tokensPerSecond: o.tokensPerSecond, reply: () => REPLY });
    servers.push(...nodeServers, cloudServer);
    const named: [string, FakeServer][] = [...nodeServers.map((s, i) => [`node${i}`, s] as [string, FakeServer]), ['cloud', cloudServer]];

    store = (await Store.open()).store;
    const requests = new Requests(store);
    const recorded: RequestRecord[] = [];
    requests.onRecord((r) => recorded.push(r));
    const routing = createRouting({
      config: {
        nodes: nodeServers.map((s, i) => ({ name: `node${i}`, baseUrl: s.url, tier: 'local' as const, models: [], maxParallel: 3 })),
        cloudProviders: [{ name: 'cloud', kind: 'openai', baseUrl: `${cloudServer.url}/v1`, model: 'gpt-test' }],
        defaultModels: DEFAULT_MODELS,
        balancer: DEFAULT_BALANCER,
        privacy: DEFAULT_PRIVACY,
      },
      requests,
      cloudKey: async () => 'sk-test',
      log: silentLogger,
    });
    await routing.nodes.refresh();
    const deps: PipelineDeps = routing.deps;
    const proxyKey = 'sk-singularity-soak-0000000000';
    proxyServer = await startProxy({ host: '127.0.0.1', port: 0, key: proxyKey, allowRemote: false, deps: () => deps, log: silentLogger });
    const client = new OpenAI({ baseURL: proxyServer.url, apiKey: proxyKey, maxRetries: 0 });

    // Warm-up: fault-free, not counted (JIT, sockets, sql.js statements), then the heap baseline.
    const warmupIds: string[] = [];
    for (let i = 0; i < o.warmup; i++) {
      const id = randomUUID();
      warmupIds.push(id);
      for await (const _ of ask({ id, question: `warm-up ${i}`, history: [], context: [], route: i % 4 === 3 ? 'cloud' : 'auto', source: 'cli', signal: new AbortController().signal }, deps)) void _;
    }
    const gcAvailable = gc();
    await sleep(50);
    gc();
    const heapBefore = process.memoryUsage();

    // The plan: seeded, so the same seed gives the same mix of work and faults.
    const batchCount = Math.round((o.requests * o.batchShare) / o.batchSize);
    const proxyCount = Math.round(o.requests * o.proxyShare);
    const chatCount = o.requests - batchCount * o.batchSize - proxyCount;
    const units: Unit[] = [
      ...Array.from({ length: chatCount }, (_, index): Unit => ({ kind: 'chat', index })),
      ...Array.from({ length: batchCount }, (_, index): Unit => ({ kind: 'batch', index, size: o.batchSize })),
      ...Array.from({ length: proxyCount }, (_, index): Unit => ({ kind: 'proxy', index })),
    ];
    for (let i = units.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [units[i], units[j]] = [units[j]!, units[i]!];
    }

    const faultsInjected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    const faultWindows: string[] = [];
    const pickFault = (): Fault => {
      const kind = FAULT_KINDS[Math.floor(rand() * FAULT_KINDS.length)]!;
      switch (kind) {
        case 'http500':
          return { kind };
        case 'http429':
          return { kind, retryAfterSeconds: rand() < 0.5 ? 0 : 1 };
        case 'hang':
          return { kind };
        case 'dropMidStream':
        case 'malformedLine':
          return { kind, afterTokens: Math.floor(rand() * 12) };
        case 'slowDrip':
          return { kind, delayMs: 5 + Math.floor(rand() * 25) };
      }
    };

    const chat = { ...emptyCounts(), stopped: 0, timedOut: 0 };
    const batch = { ...emptyCounts(), batches: 0, timeouts: 0, retried: 0, askCalls: 0 };
    const proxy = { ...emptyCounts(), streamed: 0, abandoned: 0 };
    const chatIds: string[] = [];
    const chatOutcome = new Map<string, AskResult['outcome']>();
    let lost = 0;
    let killedNode: string | undefined;
    const total = o.requests;
    let started = 0;
    let done = 0;
    const slots = new Slots(o.concurrency);
    const t0 = performance.now();
    const running = new Set<Promise<void>>();

    const countEnd = (c: Counts, outcome: 'ok' | 'error' | 'cancelled', error: string | undefined, what: string) => {
      if (outcome === 'ok') c.ok++;
      else if (outcome === 'cancelled') c.cancelled++;
      else if (error && error.trim()) c.cleanErrors++;
      else {
        c.errorsWithoutMessage++;
        problem(`${what}: error without a message`);
      }
    };

    /** Races a unit against the "never ends" watchdog; a unit that loses is LOST. */
    const watched = async (what: string, size: number, work: Promise<void>, pendingOf?: () => string) => {
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<'stuck'>((r) => (timer = setTimeout(() => r('stuck'), o.stuckAfterMs)));
      const r = await Promise.race([work.then(() => 'done' as const), stuck]);
      clearTimeout(timer);
      if (r === 'stuck') {
        lost += size;
        const since = performance.now();
        problem(`${what}: still running after ${o.stuckAfterMs} ms (never ended)${pendingOf ? `; ${pendingOf()}` : ''}`);
        void work.then(() => problem(`${what}: ended at last, ${((performance.now() - since) / 1000 + o.stuckAfterMs / 1000).toFixed(1)} s after it started`));
      }
    };

    const runChat = async (n: number) => {
      const id = randomUUID();
      chatIds.push(id);
      chat.attempted++;
      // Stop and the deadline as two plain controllers joined by hand (see runProxy on AbortSignal.any).
      const stop = new AbortController();
      const timeout = new AbortController();
      const both = new AbortController();
      const deadline = setTimeout(() => {
        timeout.abort();
        both.abort();
      }, o.timeoutMs);
      stop.signal.addEventListener('abort', () => both.abort());
      const { signal } = both;
      let stopTimer: NodeJS.Timeout | undefined;
      if (rand() < o.stopRate) stopTimer = setTimeout(() => stop.abort(), Math.floor(rand() * 60));
      const route: RouteRequest = rand() < o.cloudShare ? 'cloud' : 'auto';
      let end: AskResult | undefined;
      let ends = 0;
      try {
        for await (const e of ask({ id, question: `Chat ${n}: what is a closure?`, history: [], context: [], route, source: 'panel', signal }, deps)) {
          if (e.type === 'end') {
            end = e.result;
            ends++;
          }
        }
      } catch (err) {
        lost++;
        problem(`chat ${n}: exception escaped ask(): ${err instanceof Error ? err.message : String(err)}`);
        return;
      } finally {
        clearTimeout(stopTimer);
        clearTimeout(deadline);
      }
      if (!end) {
        lost++;
        problem(`chat ${n}: no end event`);
        return;
      }
      if (ends > 1) problem(`chat ${n}: ${ends} end events`);
      chatOutcome.set(id, end.outcome);
      if (end.outcome === 'cancelled') {
        if (stop.signal.aborted) chat.stopped++;
        else if (timeout.signal.aborted) chat.timedOut++;
      }
      countEnd(chat, end.outcome, end.error, `chat ${n}`);
    };

    const batchAttempts = new Map<string, number>();
    const unsettled = new Map<number, Set<number>>();
    const runOneBatch = async (n: number, size: number) => {
      batch.batches++;
      batch.attempted += size;
      const items: BatchItem[] = Array.from({ length: size }, (_, i) => ({
        id: `b${n}-${i}`,
        title: `batch ${n} item ${i}`,
        // Distinct questions: identical items in flight would be coalesced into one call.
        question: `Batch ${n} item ${i}: explain this file.`,
        context: [],
        // One category per item, so its rows can be matched to its attempts.
        category: `soak:b${n}-${i}`,
      }));
      const open = new Set(items.map((_, i) => i));
      unsettled.set(n, open);
      const stop = new AbortController();
      let stopTimer: NodeJS.Timeout | undefined;
      if (rand() < o.stopRate / 2) stopTimer = setTimeout(() => stop.abort(), Math.floor(rand() * 200));
      let results: BatchResult[];
      try {
        results = await runBatch(items, deps, {
          concurrency: o.batchConcurrency,
          signal: stop.signal,
          timeoutMs: o.timeoutMs,
          route: rand() < o.cloudShare ? 'cloud' : 'auto',
          onItem: ({ index }) => open.delete(index),
        });
      } catch (err) {
        lost += size;
        problem(`batch ${n}: runBatch rejected: ${err instanceof Error ? err.message : String(err)}`);
        return;
      } finally {
        clearTimeout(stopTimer);
      }
      if (results.length !== size) {
        lost += Math.max(0, size - results.length);
        problem(`batch ${n}: ${results.length} results for ${size} items`);
      }
      for (const r of results) {
        batch.askCalls += r.attempts;
        batchAttempts.set(r.item.category, r.attempts);
        if (r.attempts > 1) batch.retried++;
        if (r.outcome === 'timeout') batch.timeouts++;
        countEnd(batch, r.outcome === 'timeout' ? 'error' : r.outcome, r.error, r.item.title);
      }
    };

    const faultAt = (): void => {
      if (rand() >= o.faultRate) return;
      const [, server] = named[Math.floor(rand() * named.length)]!;
      const f = pickFault();
      server.failNext(f);
      faultsInjected[f.kind as FaultKind]++;
    };

    // Windows of setOptions faults: node1 drips slowly for 10% of the run; the cloud answers 500 for 5%.
    const windows = [
      { from: 0.2, to: 0.3, server: nodeServers[1]!, name: 'node1', fault: { kind: 'slowDrip', delayMs: 15 } as Fault },
      { from: 0.6, to: 0.65, server: cloudServer, name: 'cloud', fault: { kind: 'http500' } as Fault },
    ];
    const windowState = windows.map(() => 'before' as 'before' | 'open' | 'closed');

    /**
     * One request through the endpoint, as a client sees it: a full answer, an OpenAI error with a
     * message, or abandoned by the client (its Stop or its deadline). Anything else is a problem.
     */
    const runProxy = async (n: number) => {
      proxy.attempted++;
      const stream = rand() < 0.5;
      if (stream) proxy.streamed++;
      // The client's deadline and Stop on one plain controller: a composite of AbortSignal.timeout made with
      // AbortSignal.any was seen here never to fire (Node 20), leaving a request to a hanging node open for good.
      const stop = new AbortController();
      const { signal } = stop;
      const deadline = setTimeout(() => stop.abort(), o.timeoutMs);
      let stopTimer: NodeJS.Timeout | undefined;
      if (rand() < o.stopRate) stopTimer = setTimeout(() => stop.abort(), Math.floor(rand() * 60));
      const messages = [{ role: 'user' as const, content: `Endpoint ${n}: what is a closure?` }];
      try {
        let text = '';
        if (stream) {
          const s = await client.chat.completions.create({ model: 'singularity/auto', messages, stream: true }, { signal });
          for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? '';
        } else {
          const r = await client.chat.completions.create({ model: 'singularity/auto', messages }, { signal });
          text = r.choices[0]?.message.content ?? '';
        }
        // The openai client ends an aborted stream quietly: an abandoned request, not an answer.
        if (signal.aborted) {
          proxy.cancelled++;
          proxy.abandoned++;
        } else if (text) proxy.ok++;
        else problem(`proxy ${n}: an answer without text`);
      } catch (err) {
        if (signal.aborted) {
          proxy.cancelled++;
          proxy.abandoned++;
        } else if (err instanceof APIError && err.message.trim()) proxy.cleanErrors++;
        else {
          proxy.errorsWithoutMessage++;
          problem(`proxy ${n}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
      } finally {
        clearTimeout(stopTimer);
        clearTimeout(deadline);
      }
    };

    for (const unit of units) {
      const size = unit.kind === 'batch' ? unit.size : 1;
      const weight = unit.kind === 'batch' ? o.batchConcurrency : 1;
      await slots.acquire(weight);
      const progress = started / total;
      windows.forEach((w, i) => {
        if (windowState[i] === 'before' && progress >= w.from) {
          w.server.setOptions({ fault: w.fault });
          windowState[i] = 'open';
          faultWindows.push(`${w.name}: ${w.fault.kind} for requests ${Math.round(w.from * 100)}-${Math.round(w.to * 100)}%`);
        } else if (windowState[i] === 'open' && progress >= w.to) {
          w.server.setOptions({ fault: { kind: 'none' } });
          windowState[i] = 'closed';
        }
      });
      if (o.killAt !== undefined && killedNode === undefined && progress >= o.killAt) {
        killedNode = 'node0';
        void nodeServers[0]!.close();
      }
      faultAt();
      started += size;
      const what = `${unit.kind} ${unit.index}`;
      const work = unit.kind === 'chat' ? runChat(unit.index) : unit.kind === 'proxy' ? runProxy(unit.index) : runOneBatch(unit.index, unit.size);
      const n = unit.index;
      const pendingOf = unit.kind === 'batch' ? () => `items not settled: ${[...(unsettled.get(n) ?? [])].join(', ') || 'none'}` : undefined;
      const p = watched(what, size, work, pendingOf).finally(() => {
        slots.release(weight);
        done += size;
        o.onProgress?.(done, total);
        running.delete(p);
      });
      running.add(p);
    }
    await Promise.all([...running]);
    for (const w of windows) w.server.setOptions({ fault: { kind: 'none' } });
    const durationMs = performance.now() - t0;

    // Abandoned (coalesced) batch calls record their "cancelled" row in the background; let them land.
    await sleep(Math.min(1000, o.timeoutMs));
    const stuckItems = [...unsettled].flatMap(([n, open]) => [...open].map((i) => `soak:b${n}-${i}`));
    for (const item of stuckItems) {
      const rows = recorded.filter((r) => r.category === item);
      problem(`unsettled batch item ${item}: rows ${rows.map((r) => `${r.outcome} node=${r.node} attempts=${r.attempts} totalMs=${r.totalMs} ${r.error ?? ''}`).join(' | ') || 'none'}`);
    }

    // The requests table: one row per chat id, one per batch ask() call, nothing else.
    const rowsBySource = await store.query<{ source: string; n: number }>('SELECT source, COUNT(*) AS n FROM requests GROUP BY source');
    const rowCount = (s: string) => Number(rowsBySource.find((r) => r.source === s)?.n ?? 0);
    const totalRows = Number((await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))[0]?.n ?? 0);
    const ids = new Map<string, string>();
    for (const r of (await store.query<{ id: string; outcome: string }>("SELECT id, outcome FROM requests WHERE source = 'panel'"))) ids.set(r.id, r.outcome);
    let missingChatIds = 0;
    let outcomeMismatches = 0;
    for (const id of chatIds) {
      const row = ids.get(id);
      if (row === undefined) {
        missingChatIds++;
        problem(`chat request ${id}: no row in the requests table`);
      } else if (chatOutcome.has(id) && chatOutcome.get(id) !== row) {
        outcomeMismatches++;
        problem(`chat request ${id}: ended ${chatOutcome.get(id)} but recorded ${row}`);
      }
    }
    // A chat without a row is lost unless already counted lost for another reason.
    const chatLostAlready = chatIds.filter((id) => !chatOutcome.has(id)).length;
    lost += Math.max(0, missingChatIds - chatLostAlready);
    const batchRows = rowCount('command');
    if (batchRows < batch.askCalls) {
      lost += batch.askCalls - batchRows;
      problem(`batch: ${batch.askCalls} ask() calls counted by runBatch but ${batchRows} rows recorded`);
    } else if (batchRows > batch.askCalls) {
      problem(`batch: ${batchRows} rows recorded for ${batch.askCalls} ask() calls counted by runBatch`);
    }
    const batchRowsByItem = new Map<string, number>();
    for (const r of recorded) if (r.source === 'command' && r.category) batchRowsByItem.set(r.category, (batchRowsByItem.get(r.category) ?? 0) + 1);
    for (const [item, attempts] of batchAttempts) {
      const rows = batchRowsByItem.get(item) ?? 0;
      if (rows !== attempts) {
        const detail = recorded.filter((r) => r.category === item).map((r) => `${r.outcome}${r.error ? ` (${r.error.slice(0, 60)})` : ''}`).join(', ');
        problem(`batch item ${item}: ${attempts} attempts counted, ${rows} rows: ${detail}`);
      }
    }
    // Endpoint requests: every one the client did not abandon has its row (an abandoned one may not have
    // reached the pipeline). Their ids are the server's, so they are counted, not matched.
    const proxyRows = rowCount('proxy');
    const proxyNeeded = proxy.attempted - proxy.abandoned;
    if (proxyRows < proxyNeeded) {
      lost += proxyNeeded - proxyRows;
      problem(`proxy: ${proxyNeeded} requests answered or refused but ${proxyRows} rows recorded`);
    } else if (proxyRows > proxy.attempted) problem(`proxy: ${proxyRows} rows recorded for ${proxy.attempted} requests`);
    const duplicateIds = recorded.length - new Set(recorded.map((r) => r.id)).size;
    if (duplicateIds > 0) problem(`${duplicateIds} request ids recorded twice`);

    const serverChats = Object.fromEntries(named.map(([name, s]) => [name, s.requests.filter((r) => r.path.includes('chat')).length]));

    gc();
    await sleep(50);
    gc();
    const heapAfter = process.memoryUsage();

    const sum = (...cs: Counts[]): Counts => {
      const total = emptyCounts();
      for (const c of cs) for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += c[k];
      return total;
    };
    report = {
      seed: o.seed,
      requests: o.requests,
      durationMs,
      total: sum(chat, batch, proxy),
      chat,
      batch,
      proxy,
      lost,
      problems,
      faultsInjected,
      faultWindows,
      killedNode,
      unhandledRejections,
      rows: {
        total: totalRows,
        chat: rowCount('panel'),
        batch: batchRows,
        proxy: proxyRows,
        warmup: rowCount('cli'),
        expected: warmupIds.length + chatIds.length + batch.askCalls + proxyRows,
        outcomeMismatches,
        missingChatIds,
        duplicateIds,
      },
      heap: {
        gcAvailable,
        beforeMB: heapBefore.heapUsed / MB,
        afterMB: heapAfter.heapUsed / MB,
        growthMB: (heapAfter.heapUsed - heapBefore.heapUsed) / MB,
        externalBeforeMB: heapBefore.external / MB,
        externalAfterMB: heapAfter.external / MB,
      },
      serverChats,
    };
  } finally {
    await proxyServer?.close().catch(() => undefined);
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    await store?.close().catch(() => undefined);
    // Late rejections (e.g. from closing servers) still count until here.
    await sleep(20);
    process.off('unhandledRejection', onUnhandled);
  }
  report.unhandledRejections = unhandledRejections;
  return report;
}

// Runs many independent requests (one per file, per function, per changed file...) through the
// pipeline, several at a time. Semantics (see docs/BATCH_PROCESSING.md):
// - at most `concurrency` items in flight; the node pool still enforces each node's maxParallel;
// - results come back in input order, one per item, whatever happened (nothing is lost);
// - each item has a deadline (timeoutMs, default 120 s) covering its whole life: waiting for a node
//   slot, streaming, and any retry;
// - an item that failed (including one cut off mid-stream) is retried whole, retryWhole times (default 1),
//   since nobody is watching a batch to press "ask again"; timeouts and cancellations are not retried;
// - aborting the batch signal cancels the items in flight (their streams are closed) and marks the items
//   not started yet as cancelled;
// - identical items (same model, route and messages) in flight at once share one call (Coalescer);
// - each node answer passes the quality gate, as in the panel: a weak one is replaced by the cloud's answer
//   when the cloud is allowed (ask), and the report says so.

import { randomUUID } from 'node:crypto';
import { ask, type AskEvent, type AskInput, type PipelineDeps } from '../pipeline';
import { buildMessages } from '../context/prompt';
import type { AnswerMeta, ContextItem, RouteRequest } from '../types';
import { Coalescer, requestKey } from './coalesce';

export interface BatchItem {
  id: string;
  /** Shown as the item's heading in the report, e.g. a file path or a function name. */
  title: string;
  question: string;
  context: ContextItem[];
  /** Recorded with the request (e.g. 'explainFiles'), for metrics per kind of work. */
  category: string;
}

export type BatchOutcome = 'ok' | 'error' | 'cancelled' | 'timeout';

export interface BatchResult {
  item: BatchItem;
  outcome: BatchOutcome;
  /** The answer; for a failed item, whatever part of the answer arrived on its last attempt. */
  text: string;
  meta?: AnswerMeta;
  error?: string;
  /** Calls made for the item (0 when it was cancelled before it started). */
  attempts: number;
  /** From the item's start to its result, retries included. */
  totalMs: number;
}

export interface BatchProgress {
  /** Items finished so far (this one included). */
  done: number;
  total: number;
  /** Position of the item in the input. */
  index: number;
  result: BatchResult;
}

export interface BatchOptions {
  /** Items in flight at once (at least 1). Callers usually pass poolCapacity(deps). */
  concurrency: number;
  signal: AbortSignal;
  /** Per item, retries included. Default 120 s; Infinity for none. */
  timeoutMs?: number;
  /** Whole-item retries after an error (e.g. an answer cut off mid-stream). Default 1. */
  retryWhole?: number;
  onItem?: (progress: BatchProgress) => void;
  /** Default 'auto'. */
  route?: RouteRequest;
  model?: string;
  /** The editor workspace running the batch: its few-shot examples (AskInput.workspace). */
  workspace?: string;
  /** Shared with other callers to coalesce across batches; by default one per batch. */
  coalescer?: Coalescer<AskEvent>;
}

export const DEFAULT_ITEM_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRY_WHOLE = 1;

/**
 * Requests the healthy nodes can run at once: the sum of their maxParallel, at least 1 (a batch still
 * runs one at a time when only the cloud is available or no node has been probed yet).
 */
export function poolCapacity(deps: Pick<PipelineDeps, 'nodes'>): number {
  const total = deps.nodes
    .list()
    .filter((s) => s.healthy)
    .reduce((n, s) => n + Math.max(0, s.node.maxParallel), 0);
  return Math.max(1, total);
}

/** Runs every item and resolves with one result per item, in input order. Never rejects for an item's failure. */
export async function runBatch(items: BatchItem[], deps: PipelineDeps, opts: BatchOptions): Promise<BatchResult[]> {
  const results = new Array<BatchResult | undefined>(items.length);
  const coalescer = opts.coalescer ?? new Coalescer<AskEvent>();
  const concurrency = Math.max(1, Math.floor(Number.isFinite(opts.concurrency) ? opts.concurrency : 1));
  let nextIndex = 0;
  let done = 0;

  const settle = (index: number, result: BatchResult) => {
    results[index] = result;
    done++;
    try {
      opts.onItem?.({ done, total: items.length, index, result });
    } catch (err) {
      deps.log.warn(`Batch progress callback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const worker = async () => {
    for (;;) {
      const index = nextIndex++;
      if (index >= items.length) return;
      const item = items[index]!;
      const result = opts.signal.aborted
        ? { item, outcome: 'cancelled' as const, text: '', attempts: 0, totalMs: 0 }
        : await runItem(item, deps, opts, coalescer);
      settle(index, result);
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results.map((r, i) => r ?? { item: items[i]!, outcome: 'cancelled', text: '', attempts: 0, totalMs: 0 });
}

async function runItem(item: BatchItem, deps: PipelineDeps, opts: BatchOptions, coalescer: Coalescer<AskEvent>): Promise<BatchResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ITEM_TIMEOUT_MS;
  // The item's deadline is a plain timer we clear ourselves. In Node 20, AbortSignal.any holds its inputs
  // weakly and AbortSignal.timeout's timer is weak too: after a garbage collection such a deadline can
  // silently never fire (nodejs/node#57736; the soak run lost hung batch items to it).
  // Infinity (or any non-finite value) means no deadline.
  const deadline = new AbortController();
  const abort = () => deadline.abort();
  const timer = Number.isFinite(timeoutMs) ? setTimeout(abort, Math.max(0, timeoutMs)) : undefined;
  if (opts.signal.aborted) abort();
  opts.signal.addEventListener('abort', abort, { once: true });
  try {
    return await runItemUntil(item, deps, opts, coalescer, deadline.signal, timeoutMs);
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', abort);
  }
}

async function runItemUntil(
  item: BatchItem,
  deps: PipelineDeps,
  opts: BatchOptions,
  coalescer: Coalescer<AskEvent>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const maxAttempts = 1 + Math.max(0, Math.floor(opts.retryWhole ?? DEFAULT_RETRY_WHOLE));
  const route = opts.route ?? 'auto';
  const key = requestKey({ model: opts.model, route, messages: buildMessages({ question: item.question, history: [], context: item.context }).messages });

  const stopped = (attempts: number, text: string, meta: AnswerMeta | undefined): BatchResult =>
    opts.signal.aborted
      ? { item, outcome: 'cancelled', text, meta, attempts, totalMs: now() - started }
      : { item, outcome: 'timeout', text, meta, attempts, error: `No answer within ${formatSeconds(timeoutMs)}.`, totalMs: now() - started };

  let last: BatchResult | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (signal.aborted) return stopped(attempt - 1, last?.text ?? '', last?.meta);
    const input: Omit<AskInput, 'signal'> = {
      id: randomUUID(),
      question: item.question,
      history: [],
      context: item.context,
      route,
      model: opts.model,
      source: 'command',
      category: item.category,
      ...(opts.workspace ? { workspace: opts.workspace } : {}),
    };
    let text = '';
    let meta: AnswerMeta | undefined;
    let end: Extract<AskEvent, { type: 'end' }>['result'] | undefined;
    try {
      // An escalated node answer is followed by the cloud's 'routed', which starts the text again.
      for await (const event of coalescer.run(key, (s) => ask({ ...input, signal: s }, deps), signal)) {
        if (event.type === 'routed') {
          meta = event.meta;
          text = '';
        } else if (event.type === 'token') text += event.text;
        else if (event.type === 'end') end = event.result;
      }
    } catch (err) {
      // ask() does not throw for provider trouble; anything else (a bug, a store failure) still ends the item.
      const message = err instanceof Error ? err.message : String(err);
      deps.log.error(`Batch item "${item.title}": ${message}`);
      end = { outcome: 'error', text, meta, error: message };
    }
    if (!end || end.outcome === 'cancelled') {
      // Our signal (batch cancelled or deadline) stopped it; a cancellation we did not ask for counts as an error.
      if (signal.aborted) return stopped(attempt, end?.text ?? text, end?.meta ?? meta);
      end ??= { outcome: 'error', text, meta, error: 'The request ended without a result.' };
      if (end.outcome === 'cancelled') end = { ...end, outcome: 'error', error: 'The request was cancelled unexpectedly.' };
    }
    const result: BatchResult = {
      item,
      outcome: end.outcome === 'ok' ? 'ok' : 'error',
      text: end.text,
      meta: end.meta ?? meta,
      error: end.error,
      attempts: attempt,
      totalMs: now() - started,
    };
    if (result.outcome === 'ok') return result;
    last = result;
    if (attempt < maxAttempts) deps.log.info(`Batch item "${item.title}" failed (${result.error ?? 'error'}); retrying it whole.`);
  }
  return { ...last!, totalMs: now() - started };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

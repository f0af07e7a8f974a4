import type { Logger } from './log';
// The record stage: one row per request in the requests table whatever its outcome (every metric reads it),
// and for a request that was routed and tried, the router's training row and its route history.

import type { AskInput, AskResult } from './request';
import type { Requests, RequestRecord } from './store/requests';
import type { RouterData } from './store/routerData';
import type { RouteHistoryTracker } from './router/history';
import type { Routed } from './router/decide';
import type { Dispatched } from './nodes/dispatch';

export interface RecordDeps {
  requests?: Requests;
  routerData?: RouterData;
  routeHistory?: RouteHistoryTracker;
  log?: Pick<Logger, 'warn'>;
}

export interface Trace {
  input: Pick<AskInput, 'id' | 'conversationId' | 'source' | 'category'>;
  started: number;
  ended: number;
  routed?: Routed;
  dispatched?: Dispatched;
}

export function recordRequest(deps: RecordDeps, trace: Trace, result: AskResult): void {
  const { input, started, routed, dispatched } = trace;
  const totalMs = trace.ended - started;
  const row: RequestRecord = {
    id: input.id,
    conversationId: input.conversationId,
    source: input.source,
    category: input.category,
    task: routed?.task,
    strategy: routed?.decision?.strategy,
    ...dispatched?.routed,
    promptTokens: dispatched?.promptTokens,
    completionTokens: dispatched?.completionTokens,
    tokensEstimated: dispatched?.tokensEstimated ?? false,
    ttftMs: dispatched?.ttftMs,
    totalMs,
    attempts: dispatched?.attempts ?? 0,
    outcome: result.outcome,
    error: result.error,
    ...(dispatched?.contextTokens ? { contextTokensBefore: dispatched.contextTokens.before, contextTokensAfter: dispatched.contextTokens.after } : {}),
    createdAt: started,
  };
  deps.requests?.record(row);
  if (!row.route || !routed?.decision) return;
  // A store closed meanwhile (a one-shot CLI run ending) just misses this vector.
  routed.embedding?.then((e) => e && deps.routerData?.recordEmbedding(row.id, e.model, e.vector, started)).catch(() => undefined);
  deps.routeHistory?.observe(routed.taskType, row.route, result.outcome === 'ok', totalMs);
  // The row is written at once; only relabelling a reroute that waited on this answer reads first.
  deps.routerData?.record({
    requestId: row.id,
    features: routed.features,
    route: row.route,
    outcome: result.outcome,
    ttftMs: row.ttftMs,
    totalMs,
    tokens: (row.promptTokens ?? 0) + (row.completionTokens ?? 0),
    prediction: routed.decision.prediction,
    feedbackPossible: input.source === 'panel',
    createdAt: started,
  }).catch((err: Error) => deps.log?.warn(`Relabelling after request ${row.id} failed: ${err.message}`));
}

/** An answer made without a model (local OCR's reading): its row only, nothing for the router to learn. */
export function recordAnswered(deps: RecordDeps, input: Trace['input'] & Pick<AskInput, 'images'>, result: AskResult, strategy: string, at: number): void {
  const meta = result.meta!;
  deps.requests?.record({
    id: input.id,
    conversationId: input.conversationId,
    source: input.source,
    category: input.category,
    task: input.images?.length ? 'vision' : undefined,
    route: meta.route,
    node: meta.node,
    model: meta.model,
    strategy,
    reason: meta.reason,
    promptTokens: result.usage?.promptTokens,
    completionTokens: result.usage?.completionTokens,
    tokensEstimated: result.usage?.estimated ?? true,
    attempts: 1,
    outcome: result.outcome,
    createdAt: at,
  });
}

// Dispatch: a prepared request to its targets, in order, until one answers. A node target leases a node
// from the pool (balancer, per-node slots, breaker) and fails over to another node that has the model; a
// cloud target is retried with backoff (honouring Retry-After) on 429 and 5xx. Only failures before the
// first token move on: once text has reached the user, repeating the request would duplicate it. Every
// lease is released with what the pool should learn (speed, or a node fault).

import { setTimeout as sleep } from 'node:timers/promises';
import type { AnswerMeta, ChatMessage, Target, TokenUsage, ToolCall, ToolSet } from '../types';
import type { Logger } from '../log';
import type { NodePool, LeaseOutcome } from './pool';
import type { ChatProvider, FinishReason } from '../providers/types';
import type { AskResult } from '../request';
import { classifyError, ProviderError, type ProviderErrorCode } from '../providers/errors';
import { estimateTokens } from '../providers/tokens';
import { ConfidenceMeter } from '../providers/confidence';
import type { CloudCredential, ProviderFactory } from '../providers/factory';
import type { CloudKeyHealth } from '../providers/keyHealth';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from '../providers/retry';
import { thinkField, type ThinkSetting } from './think';
import { firstTokenDeadlineMs, type FirstTokenFacts } from './firstTokenDeadline';

/**
 * Long enough for Ollama to load a large model from disk before its first token (it streams nothing while
 * loading), short enough that a hung node does not hold a request until the user gives up.
 */
export const FIRST_TOKEN_TIMEOUT_MS = 120_000;

const STOP_CHECK_CHARS = 200;

/** Alternatives asked per token: enough for the top-1/top-2 margin, little extra on the wire. */
const TOP_LOGPROBS = 2;

/** Answer length the balancer plans for; real lengths vary, what matters is weighing speed against queueing. */
const EXPECTED_OUTPUT_TOKENS = 400;

/** Failures before the first token that another node or provider may not share. */
const FAIL_OVER_ON = new Set(['unreachable', 'server', 'modelNotFound', 'rateLimited', 'badResponse', 'auth']);

/** The messages for one kind of target, fitted to it (the caller decides what fits: context/fit.ts). */
export interface Prompt {
  messages: ChatMessage[];
  /** The context window to ask the node for (Ollama's num_ctx); unset: the provider's default. */
  numCtx?: number;
  /** What the answer's meta line says about what was sent (compression, redaction). */
  notes?: Pick<AnswerMeta, 'context' | 'redacted' | 'withheld'>;
  /** The context was cut to fit: the reason says so. */
  truncated?: boolean;
}

export interface DispatchRequest {
  targets: readonly Target[];
  /** Why these targets (the router's reason); failovers rewrite it. */
  reason: string;
  /** The prompt for a target, asked when that target is about to be tried; the same object for targets that share one. */
  prompt(target: Target): Promise<Prompt>;
  temperature?: number;
  maxTokens?: number;
  /** Functions the model may call; only node models whose /api/show lists "tools" take such a request. */
  tools?: ToolSet;
  /** Checked as a node's answer grows: true stops it there. Cloud answers are never stopped. */
  stopEarly?: (text: string) => boolean;
  signal: AbortSignal;
  /** When the request started: time to first token counts from here. */
  startedAt: number;
}

export interface DispatchDeps {
  pool: NodePool;
  providers: ProviderFactory;
  credentials: readonly CloudCredential[];
  retry?: RetryPolicy;
  firstTokenTimeoutMs?: number;
  /** singularity.think: what thinking models are asked to do (only models that think get the field). */
  think?: ThinkSetting;
  /** Told when a provider refuses its key and when it answers again, whatever answered the request in the end. */
  keyHealth?: CloudKeyHealth;
  log: Logger;
  now?: () => number;
}

export type DispatchEvent =
  | { type: 'routed'; meta: AnswerMeta }
  | { type: 'token'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'toolCall'; call: ToolCall; index: number };

/** How the request went: its result, and what the recorder needs of the attempts. */
export interface Dispatched extends Omit<AskResult, 'errorCode'> {
  errorCode?: ProviderErrorCode;
  attempts: number;
  /** Where the last attempt went and why (with failovers and cuts), whether or not it answered. */
  routed?: Pick<AnswerMeta, 'route' | 'node' | 'model' | 'reason'>;
  promptTokens?: number;
  completionTokens?: number;
  tokensEstimated: boolean;
  ttftMs?: number;
  /** Context tokens before and after compression for the cloud, when it was compressed. */
  contextTokens?: { before: number; after: number };
}

type AttemptEnd = { kind: 'final'; result: Dispatched; streamTtftMs?: number } | { kind: 'failed'; error: ProviderError };

interface Attempt {
  provider: ChatProvider;
  /** Ask for token log-probabilities (a node whose Ollama has them). */
  logprobs?: boolean;
  /** Ollama's `think` field for this model, when it thinks and the setting says something. */
  think?: boolean | string;
  model: string;
  meta: AnswerMeta;
  prompt: Prompt;
  /** A node attempt: may fail over sooner than the long first-token limit. */
  firstToken?: Omit<FirstTokenFacts, 'promptTokens'>;
}

export async function* dispatch(request: DispatchRequest, deps: DispatchDeps): AsyncGenerator<DispatchEvent, Dispatched> {
  const now = deps.now ?? Date.now;
  const { signal } = request;
  let reason = request.reason;
  let attempts = 0;
  let routed: Dispatched['routed'];
  let contextTokens: Dispatched['contextTokens'];
  const failures: ProviderError[] = [];
  const seen = new WeakSet<Prompt>();
  const promptFor = async (target: Target): Promise<Prompt> => {
    const prompt = await request.prompt(target);
    if (seen.has(prompt)) return prompt;
    seen.add(prompt);
    if (prompt.truncated) reason = `${reason}; context cut to fit`;
    if (target.kind === 'cloud' && prompt.notes?.context?.compressed) contextTokens = { before: prompt.notes.context.tokensBefore, after: prompt.notes.context.tokensAfter };
    return prompt;
  };
  const noteFailure = (where: string, err: ProviderError) => {
    deps.log.warn(`${where}: ${err.message}`);
    failures.push(err);
    reason = `${where} failed (${err.code}); fell back`;
  };
  const ended = (end: Omit<Dispatched, 'attempts' | 'routed' | 'tokensEstimated'> & { tokensEstimated?: boolean }): Dispatched => ({
    tokensEstimated: false,
    ...end,
    attempts,
    ...(routed ? { routed } : {}),
    ...(contextTokens ? { contextTokens } : {}),
  });

  /** Streams one attempt; failures before the first token are handed back so the caller can try elsewhere. */
  async function* attempt(a: Attempt): AsyncGenerator<DispatchEvent, AttemptEnd> {
    attempts += 1;
    routed = { route: a.meta.route, node: a.meta.node, model: a.meta.model, reason: a.meta.reason };
    yield { type: 'routed', meta: a.meta };
    const callStarted = now();
    let text = '';
    let thinking = '';
    const toolCalls: ToolCall[] = [];
    let firstTokenAt: number | undefined;
    let usage: TokenUsage | undefined;
    let finishReason: FinishReason | undefined;
    let stoppedEarly = false;
    const meter = new ConfidenceMeter();
    const done = (outcome: Dispatched['outcome'], error?: ProviderError, cutOff = false): AttemptEnd => {
      const tokens = measured(text, a.prompt.messages, usage, request.startedAt, firstTokenAt, now());
      const confidence = meter.summary();
      const meta = { ...a.meta, ...tokens.meta, ...(confidence ? { confidence } : {}) };
      const message = error && (cutOff ? `The answer was cut off: ${error.message} Ask again to retry.` : error.message);
      return {
        kind: 'final',
        result: ended({
          outcome,
          text,
          ...(thinking ? { thinking } : {}),
          ...(toolCalls.length ? { toolCalls } : {}),
          meta,
          ...tokens.record,
          ...(error ? { error: message, errorCode: error.code, ...retryAfterOf(error) } : {}),
          ...(outcome === 'ok' ? { usage: usage ?? { promptTokens: tokens.record.promptTokens, completionTokens: tokens.record.completionTokens, estimated: true }, ...(finishReason ? { finishReason } : {}), ...(stoppedEarly ? { stoppedEarly } : {}) } : {}),
        }),
        streamTtftMs: firstTokenAt === undefined ? undefined : firstTokenAt - callStarted,
      };
    };
    // The attempt's own signal: the caller's Stop, or no first token in time. A plain timer and listener
    // rather than AbortSignal.any/timeout, which Node 20 can garbage-collect before they fire (RELIABILITY.md).
    const attemptAbort = new AbortController();
    const stop = () => attemptAbort.abort();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    let timedOut = false;
    const longMs = deps.firstTokenTimeoutMs ?? FIRST_TOKEN_TIMEOUT_MS;
    const limitMs = a.firstToken ? firstTokenDeadlineMs({ ...a.firstToken, promptTokens: estimateTokens(a.prompt.messages.map((m) => m.content).join('\n')) }, longMs) : longMs;
    let checkAt = STOP_CHECK_CHARS;
    const stopCheck = (sofar: string): boolean => {
      if (!request.stopEarly || a.meta.route === 'cloud' || sofar.length < checkAt) return false;
      checkAt = sofar.length + STOP_CHECK_CHARS;
      return request.stopEarly(sofar);
    };
    const firstTokenTimer = setTimeout(() => {
      timedOut = true;
      attemptAbort.abort();
    }, limitMs);
    try {
      const call = {
        model: a.model,
        messages: a.prompt.messages,
        signal: attemptAbort.signal,
        temperature: request.temperature,
        maxTokens: request.maxTokens,
        contextTokens: a.prompt.numCtx,
        ...(request.tools ? { tools: request.tools } : {}),
        ...(a.logprobs ? { topLogprobs: TOP_LOGPROBS } : {}),
        ...(a.think !== undefined ? { think: a.think } : {}),
      };
      for await (const chunk of a.provider.stream(call)) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        if (chunk.type === 'logprobs') {
          meter.add(chunk.tokens);
          continue;
        }
        if (chunk.type === 'finish') {
          finishReason = chunk.reason;
          continue;
        }
        // A thinking model's first reasoning token is its first token: it is working, not hung or loading.
        if (firstTokenAt === undefined) clearTimeout(firstTokenTimer);
        firstTokenAt ??= now();
        if (chunk.type === 'thinking') {
          thinking += chunk.text;
          yield { type: 'thinking', text: chunk.text };
          continue;
        }
        if (chunk.type === 'toolCall') {
          toolCalls.push(chunk.call);
          yield { type: 'toolCall', call: chunk.call, index: toolCalls.length - 1 };
          continue;
        }
        text += chunk.text;
        yield { type: 'token', text: chunk.text };
        if (stopCheck(text)) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (raw) {
      if (timedOut && !signal.aborted) {
        const where = a.meta.route === 'cloud' ? `cloud provider "${a.meta.node}"` : `node "${a.meta.node}"`;
        return { kind: 'failed', error: new ProviderError('unreachable', `${where} sent no first token within ${limitMs >= 1000 ? `${Math.round(limitMs / 1000)} s` : `${limitMs} ms`}.`) };
      }
      const err = classifyError(raw, a.meta.node ?? a.meta.route, signal);
      if (err.code === 'aborted') return done('cancelled');
      if (firstTokenAt === undefined && FAIL_OVER_ON.has(err.code)) return { kind: 'failed', error: err };
      return done('error', err, firstTokenAt !== undefined);
    } finally {
      clearTimeout(firstTokenTimer);
      signal.removeEventListener('abort', stop);
    }
    return done('ok');
  }

  /** Nodes that serve the target's models, one after another until one answers. */
  async function* onNodes(target: Extract<Target, { kind: 'nodes' }>): AsyncGenerator<DispatchEvent, AttemptEnd | 'cancelled' | undefined> {
    const tried = new Set<string>();
    for (;;) {
      let lease;
      try {
        lease = await deps.pool.acquire({
          tiers: target.tiers,
          models: target.models,
          exclude: tried,
          expectedOutputTokens: Math.min(request.maxTokens ?? EXPECTED_OUTPUT_TOKENS, EXPECTED_OUTPUT_TOKENS),
          signal,
          ...(request.tools ? { needs: ['tools'] } : {}),
          ...(target.node ? { prefer: target.node } : {}),
        });
      } catch {
        return 'cancelled';
      }
      if (!lease) return undefined;
      tried.add(lease.node.name);
      let end: AttemptEnd | undefined;
      try {
        const prompt = await promptFor(target);
        const meta: AnswerMeta = { route: lease.node.tier, node: lease.node.name, model: lease.model, reason, ...(prompt.notes?.context ? { context: prompt.notes.context } : {}) };
        const think = thinkField(deps.think, lease.capabilities);
        end = yield* attempt({ provider: deps.providers.node(lease.node), logprobs: lease.logprobs, think, model: lease.model, meta, prompt, firstToken: lease.firstToken });
      } finally {
        lease.release(leaseOutcome(end));
      }
      if (end.kind === 'final') return end;
      noteFailure(`node "${lease.node.name}"`, end.error);
    }
  }

  /** A cloud target, retried with backoff (honouring Retry-After) on 429 and 5xx before the first token. */
  async function* onCloud(target: Extract<Target, { kind: 'cloud' }>): AsyncGenerator<DispatchEvent, AttemptEnd | 'cancelled' | undefined> {
    const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
    for (let n = 1; ; n++) {
      const prompt = await promptFor(target);
      const meta: AnswerMeta = { route: 'cloud', node: target.provider.name, model: target.model, reason, ...prompt.notes };
      const end = yield* attempt({ provider: deps.providers.cloud(target.provider, deps.credentials), model: target.model, meta, prompt });
      if (end.kind === 'final') {
        if (end.result.outcome === 'ok') deps.keyHealth?.cleared(target.provider.name);
        return end;
      }
      if (end.error.code === 'auth') deps.keyHealth?.rejected(target.provider.name, end.error.message);
      const delay = n < policy.maxAttempts ? retryDelayMs(n, end.error, policy, Math.random) : undefined;
      if (delay === undefined) {
        noteFailure(`cloud "${target.provider.name}"`, end.error);
        return undefined;
      }
      deps.log.info(`cloud "${target.provider.name}": ${end.error.code}; retrying in ${Math.round(delay)} ms`);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return 'cancelled';
      }
    }
  }

  for (const target of request.targets) {
    const end = target.kind === 'nodes' ? yield* onNodes(target) : yield* onCloud(target);
    if (end === 'cancelled') return ended({ outcome: 'cancelled', text: '' });
    if (end?.kind === 'final') return end.result;
  }
  return ended({
    outcome: 'error',
    text: '',
    error:
      failures.length === 0
        ? 'No node could take the request: none that has the model is healthy.'
        : failures.length === 1
          ? failures[0]!.message
          : `Every target failed:\n- ${failures.map((f) => f.message).join('\n- ')}`,
    errorCode: failures.at(-1)?.code ?? 'unreachable',
    ...retryAfterOf(failures.at(-1)),
  });
}

function retryAfterOf(error: ProviderError | undefined): { retryAfterMs?: number } {
  return error?.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {};
}

/** What the pool learns from an attempt: speed when it answered, a node fault when the node (not the user) failed. */
function leaseOutcome(end: AttemptEnd | undefined): LeaseOutcome {
  if (!end) return { ok: false };
  if (end.kind === 'failed') return { ok: false, nodeFault: end.error.message };
  if (end.result.outcome === 'ok') return { ok: true, ttftMs: end.streamTtftMs, tokensPerSecond: end.result.meta?.tokensPerSecond };
  return { ok: false, nodeFault: end.result.outcome === 'error' ? end.result.error : undefined };
}

/** Token counts and timings: provider usage when given, estimates otherwise. */
function measured(text: string, messages: ChatMessage[], usage: TokenUsage | undefined, started: number, firstTokenAt: number | undefined, ended: number) {
  const promptTokens = usage?.promptTokens ?? estimateTokens(messages.map((m) => m.content).join('\n'));
  const completionTokens = usage?.completionTokens ?? estimateTokens(text);
  const ttftMs = firstTokenAt === undefined ? undefined : firstTokenAt - started;
  const streamingMs = ttftMs === undefined ? 0 : ended - started - ttftMs;
  return {
    record: { promptTokens, completionTokens, tokensEstimated: !usage, ttftMs },
    meta: {
      ttftMs,
      tokensPerSecond: streamingMs > 0 && completionTokens ? (completionTokens / streamingMs) * 1000 : undefined,
      promptTokens,
      completionTokens,
    } satisfies Pick<AnswerMeta, 'ttftMs' | 'tokensPerSecond' | 'promptTokens' | 'completionTokens'>,
  };
}

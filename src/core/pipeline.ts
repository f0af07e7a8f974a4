// One request, end to end. This is the only module that knows the order of the steps
// (see ARCHITECTURE.md): route -> dispatch with failover -> stream -> record.

import type { AnswerMeta, ChatMessage, CloudProviderConfig, ContextItem, DefaultModels, ImageInput, PrivacyConfig, RouteRequest, TokenUsage } from './types';
import type { Logger } from './log';
import type { NodeRegistry } from './nodes/registry';
import type { LeaseOutcome, NodePool } from './nodes/pool';
import type { RouteDecision, Router, Target } from './router/types';
import type { Requests, RequestRecord } from './store/requests';
import type { ChatProvider, FinishReason } from './providers/types';
import { NoRouteError } from './router/types';
import { classifyError, ProviderError } from './providers/errors';
import { estimateTokens } from './providers/tokens';
import { isUsable, type CloudCredential, type ProviderFactory } from './providers/factory';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './providers/retry';
import { taskOf } from './router/task';
import { extractFeatures, taskTypeOf } from './router/features';
import type { RouteHistoryTracker } from './router/history';
import type { RouterData } from './store/routerData';
import type { Learning } from './quality/cascade';
import type { VisionMode } from './vision/modes';
import { formatContext } from './context/format';
import { NODE_ANSWER_RESERVE, nodeContext, nodeWindow, numCtx, promptTokens } from './context/nodeContext';
import { cloudContext, type CloudContext, type CloudNotes } from './context/cloudContext';
import { setTimeout as sleep } from 'node:timers/promises';

export const SYSTEM_PROMPT =
  'You are Singularity, a coding assistant inside the user\'s editor. Answer precisely and concisely. ' +
  'Use Markdown; put code in fenced blocks tagged with their language.';

export interface AskInput {
  id: string;
  question: string;
  /** Earlier turns of the conversation, oldest first. */
  history: ChatMessage[];
  context: ContextItem[];
  route: RouteRequest;
  model?: string;
  source: RequestRecord['source'];
  category?: string;
  conversationId?: string;
  /** Replaces Singularity's system prompt (an API client brings its own). */
  system?: string;
  /** Images attached to the question. */
  images?: ImageInput[];
  /** A model the client named: it answers, no router decides and nothing else is tried. */
  pinned?: PinnedTarget;
  /** What to do with the images (explain an error, describe, extract text); default: from the question. */
  visionMode?: VisionMode;
  temperature?: number;
  maxTokens?: number;
  /** Few-shot turns (earlier accepted answers) placed before the history, for node attempts only. */
  examples?: ChatMessage[];
  /** Checked as a node's answer grows: true stops it there (a looping answer that the gate will escalate). */
  stopEarly?: (text: string) => boolean;
  signal: AbortSignal;
}

export type PinnedTarget = ({ kind: 'nodeModel'; model: string } | { kind: 'cloud'; provider: CloudProviderConfig; model: string }) & {
  /** Recorded as the strategy and reason (e.g. the vision path's 'vision-local'); default 'named'. */
  strategy?: string;
  reason?: string;
};

export interface AskResult {
  outcome: 'ok' | 'cancelled' | 'error';
  text: string;
  /** Why generation stopped, when the provider said. */
  finishReason?: FinishReason;
  /** Set when the pipeline stopped a node's answer itself because stopEarly said so. */
  stoppedEarly?: boolean;
  meta?: AnswerMeta;
  error?: string;
  usage?: TokenUsage;
}

export type AskEvent =
  | { type: 'routed'; meta: AnswerMeta }
  | { type: 'token'; text: string }
  | { type: 'end'; result: AskResult };

export interface PipelineDeps {
  router: Router;
  nodes: NodeRegistry;
  pool: NodePool;
  /** Cloud providers with their keys, read fresh per request so a key set a moment ago counts. */
  cloudCredentials(): Promise<CloudCredential[]>;
  providers: ProviderFactory;
  defaultModels(): DefaultModels;
  privacy(): PrivacyConfig;
  retry?: RetryPolicy;
  requests?: Requests;
  /**
   * How long a node or provider may take to send its first token before the request moves on (and the
   * node counts a failure). Default FIRST_TOKEN_TIMEOUT_MS.
   */
  firstTokenTimeoutMs?: number;
  /** Training rows for the learned router (features, route, outcome). */
  routerData?: RouterData;
  routeHistory?: RouteHistoryTracker;
  /** Compression of the context sent to cloud models; without it the cloud gets the full context. */
  context?: CloudContext;
  /** Quality gate, feedback and few-shot examples, used by askWithGate (quality/cascade.ts). */
  learning?: Learning;
  /** Requests with images go here (vision/vision.ts); it answers through ask() with pinned targets. */
  vision?: { answer(input: AskInput, deps: PipelineDeps): AsyncGenerator<AskEvent> };
  log: Logger;
  now?: () => number;
}

/**
 * Long enough for Ollama to load a large model from disk before its first token (it streams nothing while
 * loading), short enough that a hung node does not hold a request until the user gives up.
 */
export const FIRST_TOKEN_TIMEOUT_MS = 120_000;

const STOP_CHECK_CHARS = 200;

/** Answer length the balancer plans for; real lengths vary, what matters is weighing speed against queueing. */
const EXPECTED_OUTPUT_TOKENS = 400;

/** Failures before the first token that another node or provider may not share. */
const FAIL_OVER_ON = new Set(['unreachable', 'server', 'modelNotFound', 'rateLimited', 'badResponse', 'auth']);

interface Attempt {
  provider: ChatProvider;
  model: string;
  meta: AnswerMeta;
  messages: ChatMessage[];
  /** The context window to ask the node for (Ollama's num_ctx); unset: the provider's default. */
  numCtx?: number;
}

/** How one attempt on one node or cloud ended. 'final' ends the request; 'failed' lets the next target try. */
type AttemptEnd =
  | { kind: 'final'; result: AskResult; streamTtftMs?: number; tokensPerSecond?: number }
  | { kind: 'failed'; error: ProviderError };

export function buildMessages(
  input: Pick<AskInput, 'question' | 'history' | 'context' | 'system' | 'images' | 'examples'>,
  maxContextChars?: number,
): { messages: ChatMessage[]; contextTruncated: boolean } {
  const context = formatContext(input.context, maxContextChars);
  const user = context.text ? `${context.text}\n\n${input.question}` : input.question;
  return {
    messages: [
      { role: 'system', content: input.system ?? SYSTEM_PROMPT },
      ...(input.examples ?? []),
      ...input.history,
      { role: 'user', content: user, ...(input.images?.length ? { images: input.images } : {}) },
    ],
    contextTruncated: context.truncated,
  };
}

/** The decision for a client-named model: exactly that model, on whichever node serves it, or that cloud provider. */
function pinnedDecision(pinned: PinnedTarget): RouteDecision {
  const target: Target =
    pinned.kind === 'cloud' ? { kind: 'cloud', provider: pinned.provider, model: pinned.model } : { kind: 'nodes', tiers: ['local', 'lan'], models: [pinned.model] };
  return { targets: [target], reason: pinned.reason ?? `model ${pinned.model} named by the client`, strategy: pinned.strategy ?? 'named' };
}

/**
 * Answers one request as a stream of events. Never throws for provider trouble: every request ends
 * with an 'end' event (answer, cancellation or a clear error) and one row in the requests table.
 */
export async function* ask(input: AskInput, deps: PipelineDeps): AsyncGenerator<AskEvent> {
  if (input.images?.length && !input.pinned && deps.vision) {
    yield* deps.vision.answer(input, deps);
    return;
  }
  const now = deps.now ?? Date.now;
  const started = now();
  const task = input.images?.length ? 'vision' : taskOf(input.question, input.context);
  const record: RequestRecord = {
    id: input.id,
    conversationId: input.conversationId,
    source: input.source,
    category: input.category,
    task,
    tokensEstimated: false,
    attempts: 0,
    outcome: 'error',
    createdAt: started,
  };
  const taskType = taskTypeOf(input.question, false);
  const features = extractFeatures({
    question: input.question,
    contextChars: input.context.reduce((n, c) => n + c.text.length, 0),
    historyTurns: Math.floor(input.history.length / 2),
    category: input.category,
    hasImages: !!input.images?.length,
    history: deps.routeHistory?.snapshot(taskType),
  });
  let decision: RouteDecision | undefined;
  const finish = (result: AskResult): AskEvent => {
    record.outcome = result.outcome;
    record.error = result.error;
    record.totalMs = now() - started;
    deps.requests?.record(record);
    if (record.route && decision) {
      deps.routeHistory?.observe(taskType, record.route, result.outcome === 'ok', record.totalMs);
      deps.routerData?.record({
        requestId: record.id,
        features,
        route: record.route,
        outcome: result.outcome,
        ttftMs: record.ttftMs,
        totalMs: record.totalMs,
        tokens: (record.promptTokens ?? 0) + (record.completionTokens ?? 0),
        prediction: decision.prediction,
        feedbackPossible: input.source === 'panel',
        createdAt: started,
      });
    }
    return { type: 'end', result };
  };

  const [credentials] = await Promise.all([deps.cloudCredentials(), deps.nodes.settled()]);
  try {
    decision = input.pinned ? pinnedDecision(input.pinned) : await deps.router.decide({
      requested: input.route,
      task,
      model: input.model,
      nodes: deps.nodes.list(),
      cloud: credentials.filter(isUsable).map((c) => c.config),
      defaultModels: deps.defaultModels(),
      features,
      key: input.conversationId ?? input.id,
    });
  } catch (err) {
    if (!(err instanceof NoRouteError)) throw err;
    yield finish({ outcome: 'error', text: '', error: err.message });
    return;
  }
  record.strategy = decision.strategy;
  const privacy = deps.privacy();
  // Local-only is enforced here, after any router: whatever a router decides, nothing goes to the cloud.
  const targets = privacy.localOnly ? decision.targets.filter((t) => t.kind !== 'cloud') : decision.targets;
  if (targets.length === 0) {
    yield finish({
      outcome: 'error',
      text: '',
      error: 'Local-only mode is on for this workspace, so nothing is sent to the cloud, and no Ollama node can answer. Start a node or add one ("Singularity: Add Ollama Node"), or turn off singularity.privacy.localOnly.',
    });
    return;
  }
  // Redaction scans the whole context and compression ranks it for the first cloud model tried: done
  // once, and only when a cloud target is actually tried (context/cloudContext.ts).
  let cloudRequest: Promise<{ messages: ChatMessage[]; notes: CloudNotes }> | undefined;
  const forCloudOnce = (model: string) =>
    (cloudRequest ??= cloudContext(input, privacy, model, deps.context, deps.log).then(({ safe, notes }) => {
      if (notes.context?.compressed) Object.assign(record, { contextTokensBefore: notes.context.tokensBefore, contextTokensAfter: notes.context.tokensAfter });
      const built = buildMessages({ ...safe, system: input.system, images: input.images });
      if (built.contextTruncated) reason = `${reason}; context cut to fit`;
      return { messages: built.messages, notes };
    }));

  // Node attempts: the context fitted to the node window (context/nodeContext.ts), worked out once, for the first node tried.
  const windowTokens = nodeWindow(deps.context);
  let nodeRequest: Promise<{ messages: ChatMessage[]; numCtx?: number; report?: AnswerMeta['context'] }> | undefined;
  const forNodesOnce = () =>
    (nodeRequest ??= (async () => {
      const other = promptTokens(buildMessages({ ...input, context: [] }).messages);
      const fitted = await nodeContext(input, other, windowTokens, deps.context, deps.log);
      const built = buildMessages({ ...input, context: [...fitted.context] }, fitted.maxChars);
      if (built.contextTruncated) reason = `${reason}; context cut to fit`;
      const size = numCtx(promptTokens(built.messages), input.maxTokens ?? NODE_ANSWER_RESERVE, windowTokens);
      return { messages: built.messages, ...(size ? { numCtx: size } : {}), ...(fitted.report?.compressed ? { report: fitted.report } : {}) };
    })());

  let reason = decision.reason;
  const failures: string[] = [];

  /** Streams one attempt; failures before the first token are handed back so the caller can try elsewhere. */
  async function* attempt(a: Attempt): AsyncGenerator<AskEvent, AttemptEnd> {
    record.attempts += 1;
    Object.assign(record, { route: a.meta.route, node: a.meta.node, model: a.meta.model, reason });
    yield { type: 'routed', meta: a.meta };
    const callStarted = now();
    let text = '';
    let firstTokenAt: number | undefined;
    let usage: TokenUsage | undefined;
    let finishReason: FinishReason | undefined;
    let stoppedEarly = false;
    const done = (outcome: AskResult['outcome'], error?: string): AttemptEnd => {
      Object.assign(record, measured(text, a.messages, usage, started, firstTokenAt, now()));
      const meta = { ...a.meta, ...timing(record) };
      return {
        kind: 'final',
        result: { outcome, text, meta, error, ...(outcome === 'ok' ? { usage: usage ?? estimatedUsage(record), ...(finishReason ? { finishReason } : {}), ...(stoppedEarly ? { stoppedEarly } : {}) } : {}) },
        streamTtftMs: firstTokenAt === undefined ? undefined : firstTokenAt - callStarted,
        tokensPerSecond: meta.tokensPerSecond,
      };
    };
    // The attempt's own signal: the caller's Stop, or no first token in time. A plain timer and listener
    // rather than AbortSignal.any/timeout, which Node 20 can garbage-collect before they fire (RELIABILITY.md).
    const attemptAbort = new AbortController();
    const stop = () => attemptAbort.abort();
    input.signal.addEventListener('abort', stop, { once: true });
    if (input.signal.aborted) stop();
    let timedOut = false;
    const limitMs = deps.firstTokenTimeoutMs ?? FIRST_TOKEN_TIMEOUT_MS;
    // Checked every STOP_CHECK_CHARS of new text, and on node answers only: the cloud is the fallback.
    let checkAt = STOP_CHECK_CHARS;
    const stopCheck = (sofar: string): boolean => {
      if (!input.stopEarly || a.meta.route === 'cloud' || sofar.length < checkAt) return false;
      checkAt = sofar.length + STOP_CHECK_CHARS;
      return input.stopEarly(sofar);
    };
    const firstTokenTimer = setTimeout(() => {
      timedOut = true;
      attemptAbort.abort();
    }, limitMs);
    try {
      const request = { model: a.model, messages: a.messages, signal: attemptAbort.signal, temperature: input.temperature, maxTokens: input.maxTokens, contextTokens: a.numCtx };
      for await (const chunk of a.provider.stream(request)) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        if (chunk.type === 'finish') {
          finishReason = chunk.reason;
          continue;
        }
        if (firstTokenAt === undefined) clearTimeout(firstTokenTimer);
        firstTokenAt ??= now();
        text += chunk.text;
        yield { type: 'token', text: chunk.text };
        if (stopCheck(text)) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (raw) {
      if (timedOut && !input.signal.aborted) {
        const where = a.meta.route === 'cloud' ? `cloud provider "${a.meta.node}"` : `node "${a.meta.node}"`;
        return { kind: 'failed', error: new ProviderError('unreachable', `${where} sent no first token within ${limitMs >= 1000 ? `${Math.round(limitMs / 1000)} s` : `${limitMs} ms`}.`) };
      }
      const err = classifyError(raw, a.meta.node ?? a.meta.route, input.signal);
      if (err.code === 'aborted') return done('cancelled');
      if (firstTokenAt === undefined && FAIL_OVER_ON.has(err.code)) return { kind: 'failed', error: err };
      return done('error', firstTokenAt === undefined ? err.message : `The answer was cut off: ${err.message} Ask again to retry.`);
    } finally {
      clearTimeout(firstTokenTimer);
      input.signal.removeEventListener('abort', stop);
    }
    return done('ok');
  }

  const noteFailure = (where: string, err: ProviderError) => {
    deps.log.warn(`${where}: ${err.message}`);
    failures.push(err.message);
    reason = `${where} failed (${err.code}); fell back`;
  };

  for (const target of targets) {
    if (target.kind === 'nodes') {
      const tried = new Set<string>();
      for (;;) {
        let lease;
        try {
          lease = await deps.pool.acquire({ tiers: target.tiers, models: target.models, exclude: tried, expectedOutputTokens: EXPECTED_OUTPUT_TOKENS, signal: input.signal });
        } catch {
          yield finish({ outcome: 'cancelled', text: '' });
          return;
        }
        if (!lease) break;
        tried.add(lease.node.name);
        const fitted = await forNodesOnce();
        const meta: AnswerMeta = { route: lease.node.tier, node: lease.node.name, model: lease.model, reason, ...(fitted.report ? { context: fitted.report } : {}) };
        let end: AttemptEnd | undefined;
        try {
          end = yield* attempt({ provider: deps.providers.node(lease.node), model: lease.model, meta, messages: fitted.messages, ...(fitted.numCtx ? { numCtx: fitted.numCtx } : {}) });
        } finally {
          lease.release(leaseOutcome(end));
        }
        if (end.kind === 'final') {
          yield finish(end.result);
          return;
        }
        noteFailure(`node "${lease.node.name}"`, end.error);
      }
      continue;
    }
    const end = yield* cloudAttempts(target, credentials);
    if (end?.kind === 'final') {
      yield finish(end.result);
      return;
    }
  }
  yield finish({ outcome: 'error', text: '', error: allFailedMessage(failures) });

  /** A cloud target, retried with backoff (honouring Retry-After) on 429 and 5xx before the first token. */
  async function* cloudAttempts(target: Extract<Target, { kind: 'cloud' }>, creds: CloudCredential[]): AsyncGenerator<AskEvent, AttemptEnd | undefined> {
    const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
    for (let n = 1; ; n++) {
      const { messages: cloudMessages, notes } = await forCloudOnce(target.model);
      const meta: AnswerMeta = { route: 'cloud', node: target.provider.name, model: target.model, reason, ...notes };
      const end = yield* attempt({ provider: deps.providers.cloud(target.provider, creds), model: target.model, meta, messages: cloudMessages });
      if (end.kind === 'final') return end;
      const delay = n < policy.maxAttempts ? retryDelayMs(n, end.error, policy, Math.random) : undefined;
      if (delay === undefined) {
        noteFailure(`cloud "${target.provider.name}"`, end.error);
        return undefined;
      }
      deps.log.info(`cloud "${target.provider.name}": ${end.error.code}; retrying in ${Math.round(delay)} ms`);
      try {
        await sleep(delay, undefined, { signal: input.signal });
      } catch {
        return { kind: 'final', result: { outcome: 'cancelled', text: '' } };
      }
    }
  }
}

/** What the pool learns from an attempt: speed when it answered, a node fault when the node (not the user) failed. */
function leaseOutcome(end: AttemptEnd | undefined): LeaseOutcome {
  if (!end) return { ok: false };
  if (end.kind === 'failed') return { ok: false, nodeFault: end.error.message };
  if (end.result.outcome === 'ok') return { ok: true, ttftMs: end.streamTtftMs, tokensPerSecond: end.tokensPerSecond };
  return { ok: false, nodeFault: end.result.outcome === 'error' ? end.result.error : undefined };
}

function estimatedUsage(r: RequestRecord): TokenUsage {
  return { promptTokens: r.promptTokens ?? 0, completionTokens: r.completionTokens ?? 0, estimated: true };
}

function allFailedMessage(failures: string[]): string {
  return failures.length === 1 ? failures[0]! : `Every target failed:\n- ${failures.join('\n- ')}`;
}

/** Token counts and timings for the record: provider usage when given, estimates otherwise. */
function measured(
  text: string,
  messages: ChatMessage[],
  usage: TokenUsage | undefined,
  started: number,
  firstTokenAt: number | undefined,
  ended: number,
): Pick<RequestRecord, 'promptTokens' | 'completionTokens' | 'tokensEstimated' | 'ttftMs' | 'totalMs'> {
  return {
    promptTokens: usage?.promptTokens ?? estimateTokens(messages.map((m) => m.content).join('\n')),
    completionTokens: usage?.completionTokens ?? estimateTokens(text),
    tokensEstimated: !usage,
    ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
    totalMs: ended - started,
  };
}

function timing(r: RequestRecord): Pick<AnswerMeta, 'ttftMs' | 'tokensPerSecond' | 'promptTokens' | 'completionTokens'> {
  const streamingMs = r.totalMs !== undefined && r.ttftMs !== undefined ? r.totalMs - r.ttftMs : 0;
  return {
    ttftMs: r.ttftMs,
    tokensPerSecond: streamingMs > 0 && r.completionTokens ? (r.completionTokens / streamingMs) * 1000 : undefined,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
  };
}

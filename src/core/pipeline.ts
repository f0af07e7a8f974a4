// One request, end to end. This is the only module that knows the order of the steps
// (see ARCHITECTURE.md): route -> dispatch with failover -> stream -> record.

import type { AnswerMeta, ChatMessage, ContextItem, DefaultModels, RouteRequest, TokenUsage } from './types';
import type { Logger } from './log';
import type { NodeRegistry } from './nodes/registry';
import type { RouteDecision, Router, Target } from './router/types';
import type { Requests, RequestRecord } from './store/requests';
import type { ChatProvider } from './providers/types';
import { NoRouteError } from './router/types';
import { classifyError } from './providers/errors';
import { estimateTokens } from './providers/tokens';
import { isUsable, type CloudCredential } from './providers/factory';
import { taskOf } from './router/task';
import { formatContext } from './context/format';

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
  signal: AbortSignal;
}

export interface AskResult {
  outcome: 'ok' | 'cancelled' | 'error';
  text: string;
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
  /** Cloud providers with their keys, read fresh per request so a key set a moment ago counts. */
  cloudCredentials(): Promise<CloudCredential[]>;
  providerFor(target: Target, credentials: readonly CloudCredential[]): ChatProvider;
  defaultModels(): DefaultModels;
  requests?: Requests;
  log: Logger;
  now?: () => number;
}

/** Failures before the first token that another target may not share. */
const FAIL_OVER_ON = new Set(['unreachable', 'server', 'modelNotFound', 'rateLimited', 'badResponse', 'auth']);

function targetMeta(target: Target, reason: string): AnswerMeta {
  return target.route === 'cloud'
    ? { route: 'cloud', node: target.provider.name, model: target.model, reason }
    : { route: target.route, node: target.node.name, model: target.model, reason };
}

export function buildMessages(input: Pick<AskInput, 'question' | 'history' | 'context'>): { messages: ChatMessage[]; contextTruncated: boolean } {
  const context = formatContext(input.context);
  const user = context.text ? `${context.text}\n\n${input.question}` : input.question;
  return {
    messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...input.history, { role: 'user', content: user }],
    contextTruncated: context.truncated,
  };
}

/**
 * Answers one request as a stream of events. Never throws for provider trouble: every request ends
 * with an 'end' event (answer, cancellation or a clear error) and one row in the requests table.
 */
export async function* ask(input: AskInput, deps: PipelineDeps): AsyncGenerator<AskEvent> {
  const now = deps.now ?? Date.now;
  const started = now();
  const task = taskOf(input.question, input.context);
  const { messages, contextTruncated } = buildMessages(input);
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
  const finish = (result: AskResult): AskEvent => {
    record.outcome = result.outcome;
    record.error = result.error;
    record.totalMs = now() - started;
    deps.requests?.record(record);
    return { type: 'end', result };
  };

  const credentials = await deps.cloudCredentials();
  let decision: RouteDecision;
  try {
    decision = deps.router.decide({
      requested: input.route,
      task,
      model: input.model,
      nodes: deps.nodes.list(),
      cloud: credentials.filter(isUsable).map((c) => c.config),
      defaultModels: deps.defaultModels(),
    });
  } catch (err) {
    if (!(err instanceof NoRouteError)) throw err;
    yield finish({ outcome: 'error', text: '', error: err.message });
    return;
  }
  record.strategy = decision.strategy;

  let reason = contextTruncated ? `${decision.reason}; context cut to fit` : decision.reason;
  const failures: string[] = [];
  for (const target of [decision.target, ...decision.fallbacks]) {
    record.attempts += 1;
    const meta = targetMeta(target, reason);
    Object.assign(record, { route: meta.route, node: meta.node, model: meta.model, reason });
    yield { type: 'routed', meta };

    let text = '';
    let firstTokenAt: number | undefined;
    let usage: TokenUsage | undefined;
    try {
      const provider = deps.providerFor(target, credentials);
      for await (const chunk of provider.stream({ model: target.model, messages, signal: input.signal })) {
        if (chunk.type === 'usage') {
          usage = chunk.usage;
          continue;
        }
        firstTokenAt ??= now();
        text += chunk.text;
        yield { type: 'token', text: chunk.text };
      }
    } catch (raw) {
      const err = classifyError(raw, meta.node ?? target.route, input.signal);
      if (err.code === 'aborted') {
        Object.assign(record, measured(text, messages, usage, started, firstTokenAt, now()));
        yield finish({ outcome: 'cancelled', text, meta: { ...meta, ...timing(record) } });
        return;
      }
      if (target.route !== 'cloud' && err.code === 'unreachable') void deps.nodes.reportFailure(target.node.name, err.message);
      if (firstTokenAt === undefined && FAIL_OVER_ON.has(err.code)) {
        deps.log.warn(`${meta.node}: ${err.message}; trying the next target`);
        failures.push(err.message);
        reason = `${meta.node} failed (${err.code}); fell back`;
        continue;
      }
      Object.assign(record, measured(text, messages, usage, started, firstTokenAt, now()));
      const cut = firstTokenAt === undefined ? err.message : `The answer was cut off: ${err.message} Ask again to retry.`;
      yield finish({ outcome: 'error', text, meta: { ...meta, ...timing(record) }, error: cut });
      return;
    }
    Object.assign(record, measured(text, messages, usage, started, firstTokenAt, now()));
    const finalUsage = usage ?? { promptTokens: record.promptTokens ?? 0, completionTokens: record.completionTokens ?? 0, estimated: true };
    yield finish({ outcome: 'ok', text, meta: { ...meta, ...timing(record) }, usage: finalUsage });
    return;
  }
  yield finish({ outcome: 'error', text: '', error: allFailedMessage(failures) });
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

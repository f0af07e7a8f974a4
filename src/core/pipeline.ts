// One request, end to end. This is the only module that knows the order of the steps (ARCHITECTURE.md):
//
//   vision.plan -> learning.examples -> router.decide -> context.fit -> nodes.dispatch -> quality.gate
//   -> escalate to the cloud -> record
//
// Every caller (chat panel, commands, batch, model picker, endpoint, CLI) enters through ask(); the stages
// are plain functions and services that never call back here.

import { randomUUID } from 'node:crypto';
import type { DefaultModels, PrivacyConfig, Target } from './types';
import type { AskEvent, AskInput, AskResult } from './request';
import type { Logger } from './log';
import type { NodeRegistry } from './nodes/registry';
import { serves, withCapabilities } from './nodes/registry';
import type { NodePool } from './nodes/pool';
import { dispatch, type DispatchDeps } from './nodes/dispatch';
import type { ThinkSetting } from './nodes/think';
import { installedDefaults, logStandIns, standInNote } from './nodes/standIn';
import { isUsable, type CloudCredential, type EmbeddingProvider, type ProviderFactory } from './providers/factory';
import type { RetryPolicy } from './providers/retry';
import type { Router } from './router/types';
import type { RouteHistoryTracker } from './router/history';
import { decideRoute } from './router/decide';
import { stayInLoop, type ToolLoops } from './router/toolLoops';
import type { Requests } from './store/requests';
import type { RouterData } from './store/routerData';
import { contextFitter } from './context/fit';
import { cloudRefusal } from './context/cloudPolicy';
import type { CloudContext } from './context/cloudContext';
import { gatePlan, verdictOn, withQuality, type GatePlan, type Learning } from './quality/verdict';
import { judgeWithModel } from './quality/judge';
import { exampleWorkspace } from './learning/examples';
import { blockedAnswer, cloudFallback, judgeLocal, withDraft, type VisionDraft, type VisionService } from './vision/vision';
import { recordAnswered, recordRequest } from './recorder';
import type { CloudKeyHealth } from './providers/keyHealth';

export type { AskEvent, AskInput, AskResult, PinnedTarget } from './request';

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
  /** How long a node or provider may take to send its first token before the request moves on (nodes/dispatch.ts). */
  firstTokenTimeoutMs?: number;
  /** singularity.think, read per request; unset: each thinking model's default. */
  think?(): ThinkSetting;
  /** Embeds questions for the router's personal model; undefined: routing without their meaning. */
  encoder?(): EmbeddingProvider | undefined;
  /** Training rows for the learned router (features, route, outcome). */
  routerData?: RouterData;
  routeHistory?: RouteHistoryTracker;
  /** Compression of the context sent to cloud models; without it the cloud gets the full context. */
  context?: CloudContext;
  /** Quality gate, feedback and few-shot examples; without it answers are neither scored nor escalated. */
  learning?: Learning;
  /** Plans requests with images (vision/vision.ts); without it images go to the routed model as they are. */
  vision?: Pick<VisionService, 'plan'>;
  /** Cloud keys refused by their provider (providers/keyHealth.ts). */
  keyHealth?: CloudKeyHealth;
  /** Where each agent's tool calls were made, so its loop stays there; without it every request routes afresh. */
  toolLoops?: ToolLoops;
  log: Logger;
  now?: () => number;
}

export interface AskOptions {
  /**
   * Whether the gate may replace a weak node answer by the cloud's. Off where the draft cannot be taken
   * back (a stream already sent to a client): the answer is still scored and recorded.
   */
  escalate: boolean;
}

const LOCAL_ONLY =
  'Local-only mode is on for this workspace, so nothing is sent to the cloud, and no Ollama node can answer. Start a node or add one ("Singularity: Add Ollama Node"), or turn off singularity.privacy.localOnly.';

/**
 * Answers one request as a stream of events. Never throws for provider trouble: every request ends with an
 * 'end' event (answer, cancellation or a clear error) and its rows in the store.
 */
export async function* ask(input: AskInput, deps: PipelineDeps, options: AskOptions = { escalate: true }): AsyncGenerator<AskEvent> {
  // The vision path picks a vision model and checks its prose; an agent's images go with its tools instead.
  if (input.images?.length && !input.pinned && deps.vision && !inToolLoop(input)) return yield* answerImages(input, deps, deps.vision);
  // Image requests have their own check of the answer (the vision plan's score). A tool loop's turns are calls
  // and results, not prose: the gate would judge JSON as an answer, and examples would break the loop's shape.
  const gate = deps.learning && !input.images?.length && !inToolLoop(input) ? await gatePlan(deps.learning, input, options.escalate) : undefined;
  const draft = yield* answer({ ...input, ...(gate?.examples ? { examples: gate.examples.messages } : {}), ...(gate?.stopEarly ? { stopEarly: gate.stopEarly } : {}) }, deps);
  if (!gate || draft.outcome !== 'ok' || !draft.meta) return yield { type: 'end', result: draft };
  const learning = deps.learning!;
  if (draft.meta.route === 'cloud') {
    await cloudAnswered(deps, input, input.id, draft, await deps.routerData?.reroutedFrom(input.id));
    return yield { type: 'end', result: draft };
  }
  if (gate.examples) learning.examples!.recordUse(input.id, gate.examples.ids);
  if (!gate.model) return yield { type: 'end', result: draft };

  const verdict = await verdictOn({ ...gate, model: gate.model }, input.question, draft, (model) => judgeWithModel(dispatchDeps(deps, []), model, input.question, draft.text, input.signal));
  const now = deps.now ?? Date.now;
  if (verdict.pass || !(await mayEscalate(gate, deps))) {
    learning.results?.record(input.id, verdict, undefined, now());
    return yield { type: 'end', result: withQuality(draft, verdict) };
  }
  const to = randomUUID();
  const reason = verdict.reasons.join('; ');
  learning.results?.record(input.id, verdict, to, now());
  await learning.feedback?.rerouted(input.id, to, true, reason);
  deps.log.info(`Request ${input.id}: local answer escalated to the cloud (${reason}; quality ${verdict.score.toFixed(2)})`);
  yield { type: 'escalated', from: input.id, to, verdict, draft: withQuality(draft, verdict, to) };
  const escalated = yield* answer({ ...input, id: to, route: 'cloud' }, deps);
  if (escalated.outcome === 'ok') await cloudAnswered(deps, input, to, escalated, input.id);
  yield { type: 'end', result: escalated.meta ? { ...escalated, meta: { ...escalated.meta, escalatedFrom: { requestId: input.id, reason } } } : escalated };
}

function inToolLoop(input: AskInput): boolean {
  return !!input.tools?.tools.length || !!input.toolTurns?.length;
}

/** Whether a failed answer goes to the cloud: the request allows it, and so do privacy and the keys (read only now). */
async function mayEscalate(gate: GatePlan, deps: PipelineDeps): Promise<boolean> {
  return gate.mayEscalate && !cloudRefusal(deps.privacy(), await deps.cloudCredentials());
}

/** A cloud answer that replaced a node's answer: the node's saved no cloud tokens, and the pair may become an example. */
async function cloudAnswered(deps: PipelineDeps, input: AskInput, id: string, result: AskResult, replacing: string | undefined): Promise<void> {
  if (replacing) deps.requests?.replaced(replacing, id);
  if (result.text) await deps.learning?.examples?.cloudAnswered(id, input.question, result.text, exampleWorkspace(input));
}

/** Route, fit, dispatch and record one request: the answer of whichever target answered first. */
async function* answer(input: AskInput, deps: PipelineDeps): AsyncGenerator<AskEvent, AskResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const [credentials] = await Promise.all([deps.cloudCredentials(), deps.nodes.settled()]);
  const usableCloud = credentials.filter(isUsable).map((c) => c.config);
  // A request with tools sees only node models whose /api/show lists "tools": the router, the stand-in and the pool.
  const needs = input.tools?.tools.length ? ['tools'] : [];
  const nodes = withCapabilities(deps.nodes.list(), needs);
  const installed = installedDefaults(deps.defaultModels(), nodes);
  logStandIns(installed.standIns, deps.log);
  const routed = await decideRoute(input, {
    router: deps.router,
    nodes,
    cloud: usableCloud,
    defaultModels: installed.models,
    routeHistory: deps.routeHistory,
    encoder: deps.encoder?.(),
    log: deps.log,
  });
  const done = (result: AskResult, dispatched?: Parameters<typeof recordRequest>[1]['dispatched']): AskResult => {
    recordRequest(deps, { input, started, ended: now(), routed, dispatched }, result);
    return result;
  };
  if (!routed.decision) return done({ outcome: 'error', text: '', error: routed.error, errorCode: 'noRoute' });
  const pinnedModel = input.pinned?.kind === 'nodeModel' ? input.pinned.model : undefined;
  // Only when a healthy node has the model: a model on no healthy node fails as it would without tools.
  if (pinnedModel && needs.length && deps.nodes.list().some((s) => serves(s, [pinnedModel])) && !nodes.some((s) => serves(s, [pinnedModel]))) {
    return done({ outcome: 'error', text: '', error: `The model ${pinnedModel} does not support tools: /api/show on its nodes does not list the "tools" capability. Name a model that does (ollama show MODEL lists its capabilities), or use "singularity/auto".`, errorCode: 'badInput' });
  }
  const loop = !input.pinned && input.toolTurns?.length ? deps.toolLoops?.find(input.toolTurns) : undefined;
  const decision = loop ? stayInLoop(loop, routed.decision, usableCloud) : routed.decision;
  const privacy = deps.privacy();
  // Enforced here, after any router: whatever a router decides, nothing goes to a cloud that may not answer.
  const refusal = cloudRefusal(privacy, credentials);
  const targets = refusal ? decision.targets.filter((t: Target) => t.kind !== 'cloud') : decision.targets;
  if (targets.length === 0) {
    const localOnly = refusal?.code === 'localOnly';
    return done({ outcome: 'error', text: '', error: localOnly ? LOCAL_ONLY : `No model can answer: ${refusal?.message}.`, errorCode: localOnly ? 'localOnly' : 'noRoute' });
  }

  const dispatched = yield* dispatch(
    {
      targets,
      reason: decision.reason,
      prompt: contextFitter(input, privacy, deps.context, deps.log),
      temperature: input.temperature,
      maxTokens: input.maxTokens,
      ...(input.tools?.tools.length ? { tools: input.tools } : {}),
      stopEarly: input.stopEarly,
      signal: input.signal,
      startedAt: started,
    },
    dispatchDeps(deps, credentials),
  );
  const { outcome, text, thinking, finishReason, toolCalls, stoppedEarly, error, errorCode, retryAfterMs, usage } = dispatched;
  const standIn = dispatched.meta && !input.model && !input.pinned ? standInNote(installed.standIns, dispatched.meta) : undefined;
  const meta = standIn ? { ...dispatched.meta!, standIn } : dispatched.meta;
  if (outcome === 'ok' && toolCalls?.length && meta) deps.toolLoops?.remember(toolCalls, meta);
  return done({ outcome, text, ...(thinking ? { thinking } : {}), ...(finishReason ? { finishReason } : {}), ...(toolCalls?.length ? { toolCalls } : {}), ...(stoppedEarly ? { stoppedEarly } : {}), ...(meta ? { meta } : {}), ...(error ? { error, errorCode } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(usage ? { usage } : {}) }, dispatched);
}

function dispatchDeps(deps: PipelineDeps, credentials: readonly CloudCredential[]): DispatchDeps {
  return {
    pool: deps.pool,
    providers: deps.providers,
    credentials,
    retry: deps.retry,
    firstTokenTimeoutMs: deps.firstTokenTimeoutMs,
    think: deps.think?.(),
    keyHealth: deps.keyHealth,
    log: deps.log,
    now: deps.now,
  };
}

/**
 * A request with images: the vision plan, then the vision model on a node; an answer scoring below the
 * plan's threshold (or failing) goes to a cloud vision model when the plan allows, under the local draft.
 */
async function* answerImages(input: AskInput, deps: PipelineDeps, vision: Pick<VisionService, 'plan'>): AsyncGenerator<AskEvent> {
  const now = deps.now ?? Date.now;
  const [credentials] = await Promise.all([deps.cloudCredentials(), deps.nodes.settled()]);
  const usable = credentials.filter(isUsable);
  const plan = await vision.plan(input, {
    defaultModel: installedDefaults(deps.defaultModels(), deps.nodes.list()).models.vision,
    nodeServes: (model) => deps.nodes.list().some((s) => serves(s, [model])),
    cloudProviders: usable.map((c) => c.config),
    cloudRefusal: cloudRefusal(deps.privacy(), credentials),
  });
  if (plan.kind === 'answered') {
    if (plan.strategy && plan.result.meta) recordAnswered(deps, input, plan.result, plan.strategy, now());
    if (plan.result.meta) yield { type: 'routed', meta: plan.result.meta };
    if (plan.result.text) yield { type: 'token', text: plan.result.text };
    return yield { type: 'end', result: plan.result };
  }
  let draft: VisionDraft | undefined;
  let whyCloud = plan.whyCloud;
  if (plan.local) {
    const result = yield* withNote(answer(plan.local, deps), plan.note);
    if (result.outcome === 'cancelled') return yield { type: 'end', result };
    const judged = await judgeLocal(plan, result);
    if ('final' in judged) return yield { type: 'end', result: judged.final };
    ({ draft, whyCloud } = judged);
  }
  const blocked = await plan.cloudBlocked();
  if (blocked) {
    if (draft?.result.outcome === 'ok') deps.log.info(`Vision: ${whyCloud}; kept, since ${blocked}`);
    return yield { type: 'end', result: blockedAnswer(draft, whyCloud, blocked) };
  }
  const cloud = await plan.cloud(whyCloud);
  const { notice, note } = cloudFallback(plan, draft, whyCloud, cloud.model, await plan.ocrChars());
  if (notice) yield { type: 'token', text: notice };
  const cloudId = draft ? randomUUID() : cloud.request.id;
  const result = yield* withNote(answer({ ...cloud.request, id: cloudId }, deps), note);
  // The node's answer, replaced by this one, saved no cloud tokens.
  if (draft?.result.outcome === 'ok' && result.outcome === 'ok') deps.requests?.replaced(input.id, cloudId);
  yield { type: 'end', result: withDraft(result, draft, notice, note) };
}

/** Relays a vision attempt's events with the plan's note on its meta line. */
async function* withNote(events: AsyncGenerator<AskEvent, AskResult>, note: NonNullable<AskResult['meta']>['vision']): AsyncGenerator<AskEvent, AskResult> {
  for (;;) {
    const next = await events.next();
    if (next.done) return next.value;
    yield next.value.type === 'routed' ? { type: 'routed', meta: { ...next.value.meta, vision: note } } : next.value;
  }
}

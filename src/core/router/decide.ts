// The routing stage of a request: its task and features, then where it goes. A model the client named is
// that model, decided here without a router; otherwise the configured router decides among the nodes and
// the clouds that can answer.

import type { CloudProviderConfig, DefaultModels, TaskKind, Target } from '../types';
import type { NodeStatus } from '../nodes/registry';
import type { AskInput, PinnedTarget } from '../request';
import type { RouteHistoryTracker } from './history';
import { extractFeatures, taskTypeOf, type TaskType } from './features';
import { taskOf } from './task';
import { priorPCloud } from './prior';
import { NoRouteError, type RouteDecision, type Router } from './types';
import type { Embedding } from './evidence';
import type { EmbeddingProvider } from '../providers/factory';
import type { Logger } from '../log';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Routed {
  /** The question's meaning, when an encoder is set: the recorder stores it for the personal model once it is ready. */
  embedding?: Promise<Embedding | undefined>;
  task: TaskKind;
  taskType: TaskType;
  features: Float32Array;
  /** Undefined when nothing can answer; `error` says why. */
  decision?: RouteDecision;
  error?: string;
}

export interface DecideDeps {
  router: Router;
  nodes: readonly NodeStatus[];
  /** Cloud providers usable now (with a key, or on loopback). */
  cloud: readonly CloudProviderConfig[];
  defaultModels: DefaultModels;
  routeHistory?: RouteHistoryTracker;
  /** Embeds questions for the personal model (a node's embedding model, or the offline sentence encoder). */
  encoder?: EmbeddingProvider;
  log?: Logger;
}

/**
 * How long routing waits for the question's embedding. The encoder's first call loads it (seconds); until it
 * answers in time the request routes without the personal model and the vector is still stored when it comes.
 */
export const EMBED_WAIT_MS = 150;

/** Routes nothing: the features and prior of a sample request, whose patterns compile on first use (warmUp.ts). */
export function warmRouteFeatures(input: Pick<AskInput, 'question' | 'context'>): void {
  taskOf(input.question, input.context);
  extractFeatures({ question: input.question, contextChars: 0, historyTurns: 0, hasImages: false });
  priorPCloud({ question: input.question, contextChars: 0 });
}

export async function decideRoute(input: AskInput, deps: DecideDeps): Promise<Routed> {
  const hasImages = !!input.images?.length;
  const task = hasImages ? 'vision' : taskOf(input.question, input.context);
  const taskType = taskTypeOf(input.question, false);
  const contextChars = input.context.reduce((n, c) => n + c.text.length, 0);
  const features = extractFeatures({
    question: input.question,
    contextChars,
    historyTurns: Math.floor(input.history.length / 2),
    category: input.category,
    hasImages,
    history: deps.routeHistory?.snapshot(taskType),
  });
  if (input.pinned) return { task, taskType, features, decision: pinnedDecision(input.pinned) };
  // Only a request with a real choice (auto, nodes and a cloud) is scored, so only it needs the meaning.
  const choice = input.route === 'auto' && !input.model && deps.cloud.length > 0 && deps.nodes.some((n) => n.healthy);
  const embedding = choice && deps.encoder ? embed(deps.encoder, input.question, deps.log) : undefined;
  const raced = embedding && (await Promise.race([embedding, sleep(EMBED_WAIT_MS, undefined, { ref: false })]));
  const ready = raced && 'vector' in raced ? raced : undefined;
  try {
    const decision = await deps.router.decide({
      requested: input.route,
      task,
      model: input.model,
      nodes: deps.nodes,
      cloud: deps.cloud,
      defaultModels: deps.defaultModels,
      features,
      prior: priorPCloud({ question: input.question, contextChars }),
      ...(ready ? { embedding: ready } : {}),
      ...(raced && 'problem' in raced ? { meaningProblem: raced.problem } : {}),
      key: input.conversationId ?? input.id,
    });
    return { task, taskType, features, decision, ...(embedding ? { embedding: embedding.then((e) => ('vector' in e ? e : undefined)) } : {}) };
  } catch (err) {
    if (!(err instanceof NoRouteError)) throw err;
    return { task, taskType, features, error: err.message };
  }
}

/** The question's vector, or why the encoder could not give one (logged once per kind of failure). */
async function embed(encoder: EmbeddingProvider, question: string, log: Logger | undefined): Promise<Embedding | { problem: string }> {
  try {
    const [vector] = await encoder.embed([question.slice(0, EMBED_MAX_CHARS)]);
    if (!vector?.length || !vector.every(Number.isFinite)) throw new Error(`${encoder.model} returned no usable vector`);
    return { model: encoder.model, vector: Float32Array.from(vector) };
  } catch (err) {
    const message = (err as Error).message;
    if (!reported.has(message)) log?.warn(`Router: routing without the meaning of questions: ${message}`);
    reported.add(message);
    return { problem: message };
  }
}

const reported = new Set<string>();
/** Encoders truncate anyway; a question's start says what it asks. */
const EMBED_MAX_CHARS = 2000;

/** The decision for a client-named model: exactly that model, on whichever node serves it, or that cloud provider. */
function pinnedDecision(pinned: PinnedTarget): RouteDecision {
  const target: Target =
    pinned.kind === 'cloud' ? { kind: 'cloud', provider: pinned.provider, model: pinned.model } : { kind: 'nodes', tiers: ['local', 'lan'], models: [pinned.model] };
  return { targets: [target], reason: pinned.reason ?? `model ${pinned.model} named by the client`, strategy: pinned.strategy ?? 'named' };
}

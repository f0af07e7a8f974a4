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

export interface Routed {
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
      key: input.conversationId ?? input.id,
    });
    return { task, taskType, features, decision };
  } catch (err) {
    if (!(err instanceof NoRouteError)) throw err;
    return { task, taskType, features, error: err.message };
  }
}

/** The decision for a client-named model: exactly that model, on whichever node serves it, or that cloud provider. */
function pinnedDecision(pinned: PinnedTarget): RouteDecision {
  const target: Target =
    pinned.kind === 'cloud' ? { kind: 'cloud', provider: pinned.provider, model: pinned.model } : { kind: 'nodes', tiers: ['local', 'lan'], models: [pinned.model] };
  return { targets: [target], reason: pinned.reason ?? `model ${pinned.model} named by the client`, strategy: pinned.strategy ?? 'named' };
}

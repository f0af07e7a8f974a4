import type { CloudProviderConfig, DefaultModels, NodeConfig, RouteRequest, TaskKind } from '../types';
import type { NodeStatus } from '../nodes/registry';

export type Target =
  | { route: 'local' | 'lan'; node: NodeConfig; model: string }
  | { route: 'cloud'; provider: CloudProviderConfig; model: string };

export interface RouteContext {
  requested: RouteRequest;
  task: TaskKind;
  /** A model the user named explicitly; otherwise defaultModels[task] is used for nodes. */
  model?: string;
  nodes: readonly NodeStatus[];
  /** Cloud providers that are usable (configured with a key). */
  cloud: readonly CloudProviderConfig[];
  defaultModels: DefaultModels;
}

export interface RouteDecision {
  target: Target;
  /** Where to go, in order, if the target fails before its first token. */
  fallbacks: Target[];
  reason: string;
  /** Which strategy decided (A/B testing compares these). */
  strategy: string;
}

/** The seam the learned router implements later: a pure decision from the request and the world's state. */
export interface Router {
  readonly name: string;
  decide(context: RouteContext): RouteDecision;
}

export class NoRouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoRouteError';
  }
}

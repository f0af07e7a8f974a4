import type { CloudProviderConfig, DefaultModels, RouteRequest, TaskKind, Tier } from '../types';
import type { NodeStatus } from '../nodes/registry';

/**
 * Where to send a request. A router picks *where* (which tiers of nodes, or which cloud) and the
 * model; the node pool then picks *which node* within those tiers.
 */
export type Target =
  | { kind: 'nodes'; tiers: Tier[]; /** acceptable models, best first */ models: string[] }
  | { kind: 'cloud'; provider: CloudProviderConfig; model: string };

export interface RouteContext {
  requested: RouteRequest;
  task: TaskKind;
  /** A model the user named explicitly; otherwise defaultModels[task] is used for nodes. */
  model?: string;
  nodes: readonly NodeStatus[];
  /** Cloud providers that are usable (configured with a key, or on loopback). */
  cloud: readonly CloudProviderConfig[];
  defaultModels: DefaultModels;
}

export interface RouteDecision {
  /** Tried in order: the first is the choice, the rest are fallbacks when it fails before its first token. */
  targets: Target[];
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

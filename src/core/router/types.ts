import type { CloudProviderConfig, DefaultModels, RouteRequest, Target, TaskKind } from '../types';
import type { NodeStatus } from '../nodes/registry';

export interface RouteContext {
  requested: RouteRequest;
  task: TaskKind;
  /** A model the user named explicitly; otherwise defaultModels[task] is used for nodes. */
  model?: string;
  nodes: readonly NodeStatus[];
  /** Cloud providers that are usable (configured with a key, or on loopback). */
  cloud: readonly CloudProviderConfig[];
  defaultModels: DefaultModels;
  /** The request's features (FEATURE_SCHEMA), for routers that score it. */
  features?: Float32Array;
  /** The prior's p_cloud for the question (prior.ts): what the task asks for, before any user data. */
  prior?: number;
  /** The question's meaning (a sentence embedding), for the personal model. */
  embedding?: { model: string; vector: Float32Array };
  /** Why the question's meaning is missing (the encoder failed), for the dashboard. */
  meaningProblem?: string;
  /** What A/B assignment keys on: the conversation, else the request. */
  key?: string;
}

/** What a scoring router predicted, recorded with the request for training and the dashboard. */
export interface Prediction {
  pCloud: number;
  threshold: number;
  modelVersion: string;
  /** Where the rank alone would send it. */
  predictedRoute: 'nodes' | 'cloud';
  /** Where it goes: the rank's choice, unless the share had to be held or it was explored. */
  route: 'nodes' | 'cloud';
  /** The cloud share aimed at. */
  share: number;
  /** The A/B arm that scored it. */
  arm: string;
  /** The prior's own p_cloud, when the question was known. */
  prior?: number;
  /** Sent to the nodes against the prediction, to learn (see policy.ts). */
  explored: boolean;
}

export interface RouteDecision {
  /** Tried in order: the first is the choice, the rest are fallbacks when it fails before its first token. */
  targets: Target[];
  reason: string;
  /** Which strategy decided (A/B testing compares these). */
  strategy: string;
  prediction?: Prediction;
}

/** A decision from the request and the world's state; a learned router may await its model. */
export interface Router {
  readonly name: string;
  decide(context: RouteContext): RouteDecision | Promise<RouteDecision>;
}

export class NoRouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoRouteError';
  }
}

import type { SingularityConfig } from './types';
import type { Logger } from './log';
import { NodeRegistry } from './nodes/registry';
import { ruleRouter } from './router/rule';
import { defaultProviders, type CloudCredential } from './providers/factory';
import { NodePool } from './nodes/pool';
import { DEFAULT_BREAKER_POLICY } from './nodes/breaker';
import type { Requests } from './store/requests';
import type { RouterData } from './store/routerData';
import type { Router } from './router/types';
import { RouteHistoryTracker } from './router/history';
import type { PipelineDeps } from './pipeline';

export interface RoutingOptions {
  config: SingularityConfig;
  requests?: Requests;
  /** The learned router; it outlives rebuilds (its model and A/B state are not per-config). Default: the rule router. */
  router?: Router;
  routerData?: RouterData;
  routeHistory?: RouteHistoryTracker;
  /** Reads a cloud provider's key (SecretStorage in the editor, the environment in the CLI). */
  cloudKey(providerName: string): Promise<string | undefined>;
  log: Logger;
}

export interface Routing {
  deps: PipelineDeps;
  nodes: NodeRegistry;
  pool: NodePool;
}

/**
 * Builds everything that depends on the configuration (nodes, router, providers); the editor rebuilds
 * it when settings change, the CLI once per run. The store outlives it.
 */
export function createRouting(options: RoutingOptions): Routing {
  const { config, log } = options;
  const nodes = new NodeRegistry(config.nodes, log);
  const { strategy, failureThreshold, cooldownMs } = config.balancer;
  const pool = new NodePool(nodes, log, {
    strategy,
    breaker: { ...DEFAULT_BREAKER_POLICY, failureThreshold, cooldownMs, maxCooldownMs: Math.max(cooldownMs, DEFAULT_BREAKER_POLICY.maxCooldownMs) },
  });
  const cloudCredentials = (): Promise<CloudCredential[]> =>
    Promise.all(config.cloudProviders.map(async (c) => ({ config: c, apiKey: await options.cloudKey(c.name) })));
  const deps: PipelineDeps = {
    router: options.router ?? ruleRouter,
    nodes,
    pool,
    cloudCredentials,
    providers: defaultProviders,
    defaultModels: () => config.defaultModels,
    privacy: () => config.privacy,
    requests: options.requests,
    routerData: options.routerData,
    routeHistory: options.routeHistory ?? new RouteHistoryTracker(),
    log,
  };
  return { deps, nodes, pool };
}

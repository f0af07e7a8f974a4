import type { SingularityConfig } from './types';
import type { Logger } from './log';
import { NodeRegistry } from './nodes/registry';
import { ruleRouter } from './router/rule';
import { ToolLoops } from './router/toolLoops';
import { defaultProviders, isUsable, type CloudCredential, type EmbeddingProvider } from './providers/factory';
import { SentenceEncoder } from './providers/sentenceEncoder';
import { NodePool } from './nodes/pool';
import { DEFAULT_BREAKER_POLICY } from './nodes/breaker';
import type { Store } from './store/db';
import { Requests } from './store/requests';
import { RouterData } from './store/routerData';
import { Conversations } from './store/conversations';
import { ConversationHistory } from './store/conversationHistory';
import { StoreEmbeddingCache } from './store/embeddingCache';
import { LearnedRouter, type LearnedRouterSettings, type ModelFiles } from './router/learned';
import type { Router } from './router/types';
import { RouteHistoryTracker } from './router/history';
import type { PipelineDeps } from './pipeline';
import type { AskInput } from './request';
import { ContextCompressor } from './context/compressor';
import type { ContextSettings } from './context/settings';
import { PoolEmbedder } from './nodes/embedder';
import { serves } from './nodes/registry';
import type { Learning } from './quality/verdict';
import { VisionService } from './vision/vision';
import type { VisionSettings } from './vision/settings';
import { OcrEngine } from './vision/ocr';
import type { QualitySettings } from './quality/settings';
import { createLearning, type LearningParts } from './learning/learning';
import { CloudKeyHealth } from './providers/keyHealth';
import { warmUp, type WarmedStep } from './warmUp';
import { warmRouteFeatures } from './router/decide';
import { warmGate } from './quality/verdict';

export interface RoutingOptions {
  config: SingularityConfig;
  requests?: Requests;
  /** The learned router; it outlives rebuilds (its model and A/B state are not per-config). Default: the rule router. */
  router?: Router;
  routerData?: RouterData;
  routeHistory?: RouteHistoryTracker;
  learning?: Learning;
  /** The vision path for requests with images (it outlives rebuilds: its OCR worker is not per-config). */
  vision?: VisionService;
  /** Reads a cloud provider's key (SecretStorage in the editor, the environment in the CLI). */
  cloudKey(providerName: string): Promise<string | undefined>;
  /** Context compression before cloud calls; shared across rebuilds so its caches outlive a settings change. */
  context?: { compressor: ContextCompressor; settings(): ContextSettings };
  /**
   * The meaning of questions for the router's personal model: a node's embedding model when one serves it,
   * else `fallback` (the offline sentence encoder, shared across rebuilds: its worker is not per-config).
   */
  meaning?: { enabled(): boolean; fallback: EmbeddingProvider };
  /** Cloud keys refused by their provider; shared across rebuilds so a settings change does not forget a bad key. */
  keyHealth?: CloudKeyHealth;
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
  // Embeddings come from this configuration's nodes, through the pool, when a healthy one serves the embedding model.
  const nodeEmbedder = () => {
    const model = options.context?.settings().embeddingModel;
    return model && nodes.list().some((s) => serves(s, [model])) ? new PoolEmbedder(pool, defaultProviders, model, log) : undefined;
  };
  const deps: PipelineDeps = {
    router: options.router ?? ruleRouter,
    nodes,
    pool,
    cloudCredentials,
    providers: defaultProviders,
    defaultModels: () => config.defaultModels,
    privacy: () => config.privacy,
    think: () => config.think ?? 'auto',
    requests: options.requests,
    routerData: options.routerData,
    routeHistory: options.routeHistory ?? new RouteHistoryTracker(),
    ...(options.context ? { context: { ...options.context, embedder: nodeEmbedder } } : {}),
    ...(options.meaning ? { encoder: () => (options.meaning!.enabled() ? (nodeEmbedder() ?? options.meaning!.fallback) : undefined) } : {}),
    learning: options.learning,
    vision: options.vision,
    keyHealth: options.keyHealth,
    toolLoops: new ToolLoops(),
    log,
  };
  return { deps, nodes, pool };
}

export interface ServiceOptions {
  store: Store;
  /** The router's model files: the shipped one, and where retrained ones are kept (none: no retraining is saved). */
  routerModels: ModelFiles;
  gateModelPath: string;
  /** Settings, read when used: the editor's change while it runs, the CLI's come from its config file. */
  settings: {
    router(): LearnedRouterSettings;
    quality(): QualitySettings;
    context(): ContextSettings;
    vision(): VisionSettings;
  };
  cloudKey(providerName: string): Promise<string | undefined>;
  /** Which cloud keys were refused; shared when several sets of services use the same keys (the editor's demo). */
  keyHealth?: CloudKeyHealth;
  log: Logger;
}

/** What outlives a settings change: the store's tables, the learned router, learning, compression and vision. */
export interface Services {
  conversations: Conversations;
  /** The history list: search, rename, delete. */
  conversationHistory: ConversationHistory;
  requests: Requests;
  routerData: RouterData;
  router: LearnedRouter;
  learning: LearningParts;
  compression: NonNullable<RoutingOptions['context']>;
  vision: VisionService;
  keyHealth: CloudKeyHealth;
  /** Builds the configuration's nodes and pipeline on these services. */
  routing(config: SingularityConfig): Routing;
  /** Loads in idle time what the first request through `routing` would wait for (warmUp.ts). */
  warmUp(routing: Routing, options?: { delayMs?: number; signal?: AbortSignal }): Promise<WarmedStep[]>;
  /** Stops the router's session, the OCR worker and the sentence encoder; the store is the caller's to close. */
  dispose(): Promise<void>;
}

/** What the warm-up asks of the parts, as a panel question would; it is never sent or recorded. */
const SAMPLE_REQUEST: AskInput = { id: 'warm-up', question: 'How do I reverse a list in Python?', history: [], context: [], route: 'auto', source: 'panel', signal: new AbortController().signal };

/** The one composition root: the extension and the CLI both build their services here, from their settings. */
export function createServices(options: ServiceOptions): Services {
  const { store, settings, log } = options;
  const conversations = new Conversations(store);
  const requests = new Requests(store);
  const routerData = new RouterData(store);
  const router = new LearnedRouter(options.routerModels, settings.router, log, routerData);
  const routeHistory = new RouteHistoryTracker();
  const learning = createLearning({ store, routerData, exchange: (id) => conversations.exchange(id), settings: settings.quality, gateModelPath: options.gateModelPath, log });
  const compression = { compressor: new ContextCompressor({ embeddingCache: new StoreEmbeddingCache(store), log }), settings: settings.context };
  const ocr = new OcrEngine(log);
  const vision = new VisionService({ settings: settings.vision, ocr, log });
  const sentenceEncoder = new SentenceEncoder();
  const meaning = { enabled: () => settings.router().learnMeaning, fallback: sentenceEncoder };
  const keyHealth = options.keyHealth ?? new CloudKeyHealth();
  return {
    conversations,
    conversationHistory: new ConversationHistory(store),
    requests,
    routerData,
    router,
    learning,
    compression,
    vision,
    keyHealth,
    routing: (config) => createRouting({ config, requests, router, routerData, routeHistory, learning, context: compression, vision, meaning, keyHealth, cloudKey: options.cloudKey, log }),
    warmUp: async (routing, warmOptions) => {
      // The router scores a request, and the encoder embeds its question, only when there is a choice: a healthy
      // node and a usable cloud. Without one they would load for nothing (some 140 MB).
      const choice = routing.nodes.list().some((n) => n.healthy) && (await routing.deps.cloudCredentials()).some(isUsable);
      const steps = [
        { name: 'route features', run: () => warmRouteFeatures(SAMPLE_REQUEST) },
        ...(choice ? [{ name: 'router model', run: () => router.warmUp(settings.router().learnMeaning ? routing.deps.encoder?.()?.model : undefined) }] : []),
        { name: 'gate and examples', run: () => warmGate(learning, SAMPLE_REQUEST) },
        ...(choice ? [{ name: 'sentence encoder', run: () => routing.deps.encoder?.()?.embed(['warm up']) }] : []),
      ];
      return warmUp(steps, log, warmOptions);
    },
    dispose: async () => {
      await Promise.allSettled([router.dispose(), ocr.dispose(), sentenceEncoder.dispose()]);
    },
  };
}

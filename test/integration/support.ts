// Shared set-up for integration tests: loopback fixture servers closed after each test, routing built
// from plain configuration exactly as the extension and the CLI build it, and request helpers.
import { afterEach } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startFakeOllama, startFakeOpenAI, type FakeOpenAIOptions, type FakeServer, type FakeServerOptions } from '../fixtures';
import { createRouting } from '../../src/core/app';
import { Store } from '../../src/core/store/db';
import { Requests } from '../../src/core/store/requests';
import { silentLogger, type Logger } from '../../src/core/log';
import { DEFAULT_BALANCER, DEFAULT_MODELS } from '../../src/core/config';
import { DEFAULT_PRIVACY } from '../../src/core/context/cloudPolicy';
import type { AskEvent, AskInput, AskResult } from '../../src/core/pipeline';
import { RouterData } from '../../src/core/store/routerData';
import { LearnedRouter, type LearnedRouterSettings, type ModelFiles } from '../../src/core/router/learned';
import { DEFAULT_ROUTER_SETTINGS } from '../../src/core/router/settings';
import type { RetrainOptions } from '../../src/core/router/model/retrain';
import { Conversations } from '../../src/core/store/conversations';
import { createLearning } from '../../src/core/learning/learning';
import { DEFAULT_QUALITY_SETTINGS, type QualitySettings } from '../../src/core/quality/settings';
import type { BalancerConfig, CloudProviderConfig, NodeConfig, SingularityConfig } from '../../src/core/types';
import { ContextCompressor } from '../../src/core/context/compressor';
import { StoreEmbeddingCache } from '../../src/core/store/embeddingCache';
import { DEFAULT_CONTEXT_SETTINGS, type ContextSettings } from '../../src/core/context/settings';
import type { EmbeddingProvider } from '../../src/core/providers/factory';
import type { CloudKeyHealth } from '../../src/core/providers/keyHealth';

const servers: FakeServer[] = [];
const stores: Store[] = [];
const routers: LearnedRouter[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.dispose()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** A fake Ollama node serving llama3.2 fast unless told otherwise; closed after the test. */
export async function ollama(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const s = await startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: 5000, ...opts });
  servers.push(s);
  return s;
}

/** A fake OpenAI-compatible API serving gpt-test; closed after the test. */
export async function cloud(opts: FakeOpenAIOptions = {}): Promise<FakeServer<FakeOpenAIOptions>> {
  const s = await startFakeOpenAI({ models: ['gpt-test'], tokensPerSecond: 5000, ...opts });
  servers.push(s);
  return s;
}

/** Chat requests a fixture received (its health probes are recorded too). */
export const chats = (s: FakeServer) => s.requests.filter((r) => r.path === '/api/chat');

export const nodeOf = (s: FakeServer, name: string, over: Partial<NodeConfig> = {}): NodeConfig => ({
  name,
  baseUrl: s.url,
  tier: 'local',
  models: [],
  maxParallel: 2,
  ...over,
});

export const cloudOf = (s: FakeServer, name = 'cloud'): CloudProviderConfig => ({ name, kind: 'openai', baseUrl: `${s.url}/v1`, model: 'gpt-test' });

export interface SetupOptions {
  cloudKey?: string;
  balancer?: Partial<BalancerConfig>;
  /** Where routing logs (default: nowhere). */
  log?: Logger;
  /** Route with the learned router over these model files, as the extension does. */
  learned?: { files: ModelFiles; settings?: Partial<LearnedRouterSettings>; random?: () => number; retrain?: Partial<RetrainOptions> };
  /** Quality gate, feedback and examples as the extension builds them (the shipped gate model unless named). */
  learning?: { settings?: Partial<QualitySettings>; gateModelPath?: string };
  /** Context compression before cloud calls, as the extension builds it (embedding cache in the store). */
  context?: Partial<ContextSettings>;
  /** The encoder of questions' meaning for the router's personal model (when no node serves the embedding model). */
  meaning?: EmbeddingProvider;
  /** Told of cloud keys refused by their provider, as the extension's header and status bar are. */
  keyHealth?: CloudKeyHealth;
}

/** Routing over an in-memory store, with every node probed once. */
export async function setup(config: Partial<Omit<SingularityConfig, 'balancer'>>, options: SetupOptions = {}) {
  const { store } = await Store.open();
  stores.push(store);
  const requests = new Requests(store);
  const routerData = new RouterData(store);
  const l = options.learned;
  const router = l
    ? new LearnedRouter(l.files, () => ({ ...DEFAULT_ROUTER_SETTINGS, ...l.settings }), silentLogger, routerData, { random: l.random, retrain: l.retrain })
    : undefined;
  if (router) routers.push(router);
  const conversations = new Conversations(store);
  const learning = options.learning
    ? createLearning({
        store,
        routerData,
        exchange: (id) => conversations.exchange(id),
        settings: () => ({ ...DEFAULT_QUALITY_SETTINGS, ...options.learning!.settings }),
        gateModelPath: options.learning.gateModelPath ?? 'models/gate.json',
        log: options.log ?? silentLogger,
      })
    : undefined;
  const routing = createRouting({
    config: { nodes: [], cloudProviders: [], defaultModels: DEFAULT_MODELS, privacy: DEFAULT_PRIVACY, ...config, balancer: { ...DEFAULT_BALANCER, ...options.balancer } },
    requests,
    router,
    routerData,
    learning,
    ...(options.context
      ? { context: { compressor: new ContextCompressor({ embeddingCache: new StoreEmbeddingCache(store) }), settings: () => ({ ...DEFAULT_CONTEXT_SETTINGS, ...options.context }) } }
      : {}),
    ...(options.meaning ? { meaning: { enabled: () => true, fallback: options.meaning } } : {}),
    keyHealth: options.keyHealth,
    cloudKey: async () => options.cloudKey ?? 'sk-test',
    log: options.log ?? silentLogger,
  });
  await routing.nodes.refresh();
  return { ...routing, store, requests, routerData, router, learning, conversations };
}

export const input = (over: Partial<AskInput> = {}): AskInput => ({
  id: randomUUID(),
  question: 'What is a closure?',
  history: [],
  context: [],
  route: 'auto',
  source: 'cli',
  signal: new AbortController().signal,
  ...over,
});

export async function collect(events: AsyncIterable<AskEvent>): Promise<AskEvent[]> {
  const all: AskEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

export function endOf(events: AskEvent[]): AskResult {
  const last = events[events.length - 1];
  if (last?.type !== 'end') throw new Error('no end event');
  return last.result;
}

export async function result(events: AsyncIterable<AskEvent>): Promise<AskResult> {
  return endOf(await collect(events));
}

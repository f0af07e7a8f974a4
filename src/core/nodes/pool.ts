import type { NodeConfig, Tier } from '../types';
import type { Logger } from '../log';
import { capabilitiesOf, hasCapabilities, hasLogprobs, servableModels, type NodeRegistry, type NodeStatus } from './registry';
import type { ModelCapabilities } from './probe';
import { sameModel } from './models';
import { Semaphore } from './semaphore';
import { NodeStats } from './ewma';
import { CLOSED, DEFAULT_BREAKER_POLICY, allows, describe, failed, succeeded, trial, type BreakerPolicy, type BreakerState } from './breaker';
import { createStrategy, DEFAULT_STRATEGY, type Candidate, type Strategy, type StrategyName } from './balancer';
import type { LiveNode } from '../../shared/dashboard';
import type { FirstTokenFacts } from './firstTokenDeadline';

export interface PoolOptions {
  strategy?: StrategyName;
  breaker?: BreakerPolicy;
  random?: () => number;
  now?: () => number;
}

export interface LeaseRequest {
  tiers: readonly Tier[];
  /** Acceptable models, best first. */
  models: readonly string[];
  /** Nodes already tried for this request. */
  exclude: ReadonlySet<string>;
  expectedOutputTokens: number;
  signal: AbortSignal;
  /** Capabilities the model must have on the node, by /api/show ("tools" for a request with tools). */
  needs?: readonly string[];
  /** Take this node whenever it is eligible (an agent's tool loop stays where it started). */
  prefer?: string;
}

export interface LeaseOutcome {
  ok: boolean;
  /** Measured from the start of the call on the node (queueing excluded). */
  ttftMs?: number;
  tokensPerSecond?: number;
  /** The node itself failed (unreachable, 5xx), as opposed to the request (cancelled, cut by the user). */
  nodeFault?: string;
}

/** A slot on one node, held while a request runs there. */
export interface Lease {
  node: NodeConfig;
  model: string;
  /** Milliseconds spent waiting for a free slot on the node. */
  queuedMs: number;
  /** The node's Ollama returns token log-probabilities (from its version). */
  logprobs: boolean;
  /** What the model can do on this node (/api/show); undefined: unknown. */
  capabilities?: ModelCapabilities;
  /** What decides how long this node may take to its first token (firstTokenDeadline.ts). */
  firstToken: Omit<FirstTokenFacts, 'promptTokens'>;
  release(outcome: LeaseOutcome): void;
}

/**
 * Spreads requests over the Ollama nodes: only nodes that are up, not cooling down and have the
 * model are candidates; the strategy picks one; a per-node semaphore (its maxParallel) makes
 * requests queue instead of overloading it. Outcomes feed the speed statistics and the breaker.
 */
export class NodePool {
  private readonly strategy: Strategy;
  private readonly policy: BreakerPolicy;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly slots = new Map<string, Semaphore>();
  private readonly breakers = new Map<string, BreakerState>();
  private readonly listeners = new Set<() => void>();
  /** Requests waiting for any slot, oldest first. */
  private waiters: (() => void)[] = [];
  readonly stats = new NodeStats();

  constructor(
    readonly registry: NodeRegistry,
    private readonly log: Logger,
    options: PoolOptions = {},
  ) {
    this.strategy = createStrategy(options.strategy ?? DEFAULT_STRATEGY);
    this.policy = options.breaker ?? DEFAULT_BREAKER_POLICY;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    // A node coming back (or going away) changes what waiting requests can do: let them all re-decide.
    registry.onChange(() => this.wakeWaiters());
  }

  get strategyName(): StrategyName {
    return this.strategy.name;
  }

  /** Called whenever load, health or a breaker changes (for the status bar and dashboard). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    const unsubscribe = this.registry.onChange(listener);
    return () => {
      this.listeners.delete(listener);
      unsubscribe();
    };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Waits for a slot on the best node for the request. Undefined when no node can serve it
   * (none up, all tried, all cooling down, none has the model).
   */
  async acquire(request: LeaseRequest): Promise<Lease | undefined> {
    let eligible = this.eligible(request);
    // Late binding: while every eligible node is full, wait in the pool rather than in one node's queue,
    // and choose when a slot frees up, with the load and speeds of that moment. Binding a whole burst up
    // front spreads it by estimates that are wrong for every answer longer or shorter than expected.
    while (eligible.length > 0 && eligible.every((e) => this.isFull(e.status.node))) {
      await this.slotFreed(request.signal);
      eligible = this.eligible(request);
    }
    if (eligible.length === 0) return undefined;
    const byName = new Map(eligible.map((e) => [e.status.node.name, e]));
    const chosen = this.strategy.pick(
      eligible.map((e) => this.candidate(e.status, e.model)),
      { expectedOutputTokens: request.expectedOutputTokens },
      this.random,
    );
    const { status, model } = byName.get(chosen.name)!;
    const wasLoaded = chosen.loaded;
    const queuedAt = this.now();
    const slot = this.semaphore(status.node).acquire(request.signal);
    this.emit();
    const release = await slot.finally(() => this.emit());
    return {
      node: status.node,
      model,
      queuedMs: this.now() - queuedAt,
      logprobs: hasLogprobs(status),
      capabilities: capabilitiesOf(status, model),
      firstToken: { ttftMs: chosen.ttftMs, loaded: wasLoaded, alternative: eligible.length > 1 },
      release: (outcome) => {
        release();
        this.wakeWaiters();
        // A cold start's first token includes loading the model, which the cold-load penalty already
        // accounts for; recording it would count the load twice.
        this.settle(status.node.name, model, wasLoaded ? outcome : { ...outcome, ttftMs: undefined });
        this.emit();
      },
    };
  }

  /** Requests waiting in the pool for any node to have a free slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Every waiter re-decides, oldest first (their continuations run in that order), so the oldest
   * takes the slot; waking only one could wake a request that cannot use the freed node (other model).
   */
  private wakeWaiters(): void {
    const woken = this.waiters;
    this.waiters = [];
    for (const wake of woken) wake();
  }

  private isFull(node: NodeConfig): boolean {
    const slots = this.slots.get(node.name);
    return !!slots && slots.active + slots.waiting >= node.maxParallel;
  }

  /** Resolves when a slot is released or the nodes change; rejects with AbortError when the request is cancelled. */
  private slotFreed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        const err = new Error('Cancelled while waiting for a free node.');
        err.name = 'AbortError';
        reject(err);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  /** Current load of every node, for the status bar and the dashboard. */
  load(): LiveNode[] {
    return this.registry.list().map((s) => {
      const slots = this.slots.get(s.node.name);
      const stats = this.stats.get(s.node.name);
      return {
        name: s.node.name,
        tier: s.node.tier,
        healthy: s.healthy,
        error: s.error,
        models: s.models,
        breaker: describe(this.breakerOf(s.node.name), this.now()),
        active: slots?.active ?? 0,
        queued: slots?.waiting ?? 0,
        maxParallel: s.node.maxParallel,
        ttftMs: stats.ttftMs,
        tokensPerSecond: stats.tokensPerSecond,
        loaded: s.loaded,
      };
    });
  }

  private eligible(request: LeaseRequest): { status: NodeStatus; model: string }[] {
    const all = this.eligibleAll(request);
    const preferred = all.filter((e) => e.status.node.name === request.prefer);
    return preferred.length > 0 ? preferred : all;
  }

  private eligibleAll(request: LeaseRequest): { status: NodeStatus; model: string }[] {
    const out: { status: NodeStatus; model: string }[] = [];
    for (const status of this.registry.list()) {
      const name = status.node.name;
      if (!status.healthy || request.exclude.has(name) || !request.tiers.includes(status.node.tier)) continue;
      if (!this.breakerAllows(name)) continue;
      const available = servableModels(status).filter((m) => hasCapabilities(status, m, request.needs ?? []));
      const model = request.models.map((w) => available.find((m) => sameModel(m, w))).find((m) => m !== undefined);
      if (model) out.push({ status, model });
    }
    return out;
  }

  /** A cooled-down node is probed once its cooldown ends; it serves again only after the probe succeeds. */
  private breakerAllows(name: string): boolean {
    const state = this.breakerOf(name);
    if (state.kind === 'closed') return true;
    if (!allows(state, this.now())) return false;
    this.breakers.set(name, trial(state, this.now()));
    void this.registry.reprobe(name).then((fresh) => {
      const next = fresh?.healthy ? succeeded(this.breakerOf(name)) : failed(this.breakerOf(name), this.now(), this.policy);
      this.breakers.set(name, next);
      this.log.info(`Node "${name}" ${fresh?.healthy ? 'is back after its cooldown' : `is still failing: ${describe(next, this.now())}`}`);
    });
    return false;
  }

  private candidate(status: NodeStatus, model: string): Candidate {
    const slots = this.slots.get(status.node.name);
    const stats = this.stats.get(status.node.name);
    return {
      name: status.node.name,
      tier: status.node.tier,
      outstanding: (slots?.active ?? 0) + (slots?.waiting ?? 0),
      maxParallel: status.node.maxParallel,
      loaded: status.loaded.some((m) => sameModel(m, model)),
      ttftMs: stats.ttftMs,
      tokensPerSecond: stats.tokensPerSecond,
    };
  }

  private settle(name: string, model: string, outcome: LeaseOutcome): void {
    if (outcome.ok) {
      this.stats.record(name, { ttftMs: outcome.ttftMs, tokensPerSecond: outcome.tokensPerSecond });
      this.breakers.set(name, succeeded(this.breakerOf(name)));
      this.registry.noteLoaded(name, model);
      return;
    }
    if (!outcome.nodeFault) return;
    const next = failed(this.breakerOf(name), this.now(), this.policy);
    this.breakers.set(name, next);
    this.log.warn(`Node "${name}" failed: ${outcome.nodeFault}${next.kind === 'open' ? `; ${describe(next, this.now())}` : ''}`);
    // A dead node should stop being chosen now, not at the next health tick.
    void this.registry.reprobe(name);
  }

  private breakerOf(name: string): BreakerState {
    return this.breakers.get(name) ?? CLOSED;
  }

  private semaphore(node: NodeConfig): Semaphore {
    let s = this.slots.get(node.name);
    if (!s) {
      s = new Semaphore(node.maxParallel);
      this.slots.set(node.name, s);
    }
    return s;
  }
}

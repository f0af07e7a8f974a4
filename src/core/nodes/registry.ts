import type { NodeConfig } from '../types';
import type { Logger } from '../log';
import { probeNode, type ModelCapabilities, type NodeProbe } from './probe';
import { sameModel } from './models';

export interface NodeStatus {
  node: NodeConfig;
  healthy: boolean;
  /** Models the node reported on its last successful probe. */
  models: string[];
  /** Models loaded in memory at the last probe (/api/ps). */
  loaded: string[];
  error?: string;
  checkedAt?: number;
  /** Ollama's version from /api/version at the last successful probe. */
  version?: string;
  /** What each model can do (/api/show); a model missing here has unknown capabilities. */
  capabilities?: Record<string, ModelCapabilities>;
}

export type Prober = (baseUrl: string) => Promise<NodeProbe>;

/** Models a node can serve: what it reports, narrowed to the configured list when one is set. */
export function servableModels(status: NodeStatus): string[] {
  const { models } = status.node;
  return models.length === 0 ? status.models : status.models.filter((m) => models.some((c) => sameModel(c, m)));
}

/** The first Ollama version that returns token log-probabilities (`logprobs` on /api/chat). */
const LOGPROBS_SINCE = [0, 12, 11];

/** Whether the node's Ollama returns token log-probabilities; unknown versions are taken to not. */
export function hasLogprobs(status: Pick<NodeStatus, 'version'>): boolean {
  const parts = status.version?.split(/[.-]/).map(Number);
  if (!parts || parts.some((n, i) => i < 3 && Number.isNaN(n))) return false;
  for (let i = 0; i < LOGPROBS_SINCE.length; i++) {
    const v = parts[i] ?? 0;
    if (v !== LOGPROBS_SINCE[i]) return v > LOGPROBS_SINCE[i]!;
  }
  return true;
}

/** What a node's model can do, by Ollama's name for it ("qwen3" finds "qwen3:latest"); undefined: unknown. */
export function capabilitiesOf(status: Pick<NodeStatus, 'capabilities'>, model: string): ModelCapabilities | undefined {
  const caps = status.capabilities;
  if (!caps) return undefined;
  return caps[model] ?? Object.entries(caps).find(([name]) => sameModel(name, model))?.[1];
}

/** Whether /api/show lists every capability in `needs` for the node's model ("tools"); unknown capabilities list none. */
export function hasCapabilities(status: Pick<NodeStatus, 'capabilities'>, model: string, needs: readonly string[]): boolean {
  if (needs.length === 0) return true;
  const caps = capabilitiesOf(status, model)?.capabilities ?? [];
  return needs.every((n) => caps.includes(n));
}

/** The nodes as a request that needs these capabilities sees them: each serving only its models that have them. */
export function withCapabilities(nodes: readonly NodeStatus[], needs: readonly string[]): NodeStatus[] {
  if (needs.length === 0) return [...nodes];
  return nodes.map((s) => ({ ...s, models: s.models.filter((m) => hasCapabilities(s, m, needs)) }));
}

/** Whether the node is up and serves one of `models` (the one answer to "can this node take it?"). */
export function serves(status: NodeStatus, models: readonly string[]): boolean {
  return status.healthy && servableModels(status).some((m) => models.some((w) => sameModel(m, w)));
}

/**
 * Knows which configured nodes are up and what they serve. Probes on start, on a timer and whenever
 * a request to a node fails, so a dead node stops being chosen and a revived one comes back.
 */
export class NodeRegistry {
  private statuses: NodeStatus[];
  private timer: NodeJS.Timeout | undefined;
  private firstProbe: Promise<void> | undefined;
  private readonly listeners = new Set<(s: readonly NodeStatus[]) => void>();

  constructor(
    nodes: NodeConfig[],
    private readonly log: Logger,
    private readonly prober: Prober = probeNode,
  ) {
    this.statuses = nodes.map((node) => ({ node, healthy: false, models: [], loaded: [] }));
  }

  list(): readonly NodeStatus[] {
    return this.statuses;
  }

  onChange(listener: (s: readonly NodeStatus[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(): Promise<readonly NodeStatus[]> {
    const done = Promise.all(this.statuses.map((s) => this.probeOne(s.node))).then((probed) => {
      this.statuses = probed;
      this.emit();
      return this.statuses;
    });
    this.firstProbe ??= done.then(() => undefined);
    return done;
  }

  /**
   * Resolves once every node has been probed at least once. Activation does not wait for probes
   * (a dead LAN node would hold the editor for the probe timeout); the first request does.
   */
  settled(): Promise<void> {
    return this.firstProbe ?? this.refresh().then(() => undefined);
  }

  /** Probes one node now (after a failure, or when its cooldown ended) rather than at the next tick. */
  async reprobe(name: string): Promise<NodeStatus | undefined> {
    const status = this.statuses.find((s) => s.node.name === name);
    if (!status) return undefined;
    const fresh = await this.probeOne(status.node);
    this.statuses = this.statuses.map((s) => (s.node.name === name ? fresh : s));
    this.emit();
    return fresh;
  }

  /** Marks a model as loaded on a node after it served it, so the next request prefers that node. */
  noteLoaded(name: string, model: string): void {
    const status = this.statuses.find((s) => s.node.name === name);
    if (status && !status.loaded.includes(model)) status.loaded = [...status.loaded, model];
  }

  startPolling(intervalMs: number): void {
    this.stopPolling();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref?.();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async probeOne(node: NodeConfig): Promise<NodeStatus> {
    const probe = await this.prober(node.baseUrl);
    const before = this.statuses.find((s) => s.node.name === node.name);
    if (before && before.healthy !== probe.ok) {
      this.log.info(`Node "${node.name}" is now ${probe.ok ? 'up' : `down: ${probe.error}`}`);
    }
    return {
      node,
      healthy: probe.ok,
      models: probe.models,
      loaded: probe.loaded,
      error: probe.error,
      checkedAt: Date.now(),
      ...(probe.version ? { version: probe.version } : {}),
      ...(probe.capabilities ? { capabilities: probe.capabilities } : {}),
    };
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.statuses);
  }
}

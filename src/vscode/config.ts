import * as vscode from 'vscode';
import { parseConfig, type ConfigResult } from '../core/config';
import { parseRouterSettings } from '../core/router/settings';
import { parseVisionSettings } from '../core/vision/settings';
import { parseContextSettings } from '../core/context/settings';
import { parseQualitySettings } from '../core/quality/settings';
import type { CloudProviderConfig, NodeConfig } from '../core/types';
import type { CloudPrices } from '../core/metrics/types';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../core/store/retention';

/** The one place settings are read; everything below gets plain objects. */
export function readConfig(): ConfigResult {
  const c = vscode.workspace.getConfiguration('singularity');
  return parseConfig({
    nodes: c.get('nodes'),
    cloudProviders: c.get('cloudProviders'),
    defaultModels: c.get('defaultModels'),
    think: c.get('think'),
    privacy: { localOnly: c.get('privacy.localOnly'), neverSend: c.get('privacy.neverSend') },
    balancer: {
      strategy: c.get('balancer.strategy'),
      failureThreshold: c.get('balancer.failureThreshold'),
      cooldownSeconds: c.get('balancer.cooldownSeconds'),
    },
  });
}

/** The raw values of some keys of one settings section, for a core parser to check. */
function sectionValues<K extends string>(section: string, keys: readonly K[]): Record<K, unknown> {
  const c = vscode.workspace.getConfiguration(section);
  return Object.fromEntries(keys.map((k) => [k, c.get(k)])) as Record<K, unknown>;
}

export function readQualitySettings(): ReturnType<typeof parseQualitySettings> {
  return parseQualitySettings(sectionValues('singularity.quality', ['gate', 'threshold', 'examples', 'exampleTokens', 'judgeModel']));
}

export function readRouterSettings(): ReturnType<typeof parseRouterSettings> {
  return parseRouterSettings(sectionValues('singularity.router', ['mode', 'cloudShare', 'qualityTarget', 'explore', 'abMlShare', 'abObjective', 'retrainEvery', 'modelPath', 'learnMeaning']));
}

export function readContextSettings(): ReturnType<typeof parseContextSettings> {
  return parseContextSettings(sectionValues('singularity.context', ['compression', 'budgetTokens', 'relevanceThreshold', 'embeddingModel', 'openEditors', 'symbolSearch', 'nodeContextTokens']));
}

export function readVisionSettings(): ReturnType<typeof parseVisionSettings> {
  return parseVisionSettings(sectionValues('singularity.vision', ['ocr', 'qualityThreshold', 'cloudFallback', 'cloudModel', 'maxImageMB']));
}

export interface ProxySettings {
  host: string;
  port: number;
  allowRemote: boolean;
}

export function readProxySettings(): ProxySettings {
  const c = vscode.workspace.getConfiguration('singularity.proxy');
  const port = c.get<number>('port', 8642);
  return {
    host: c.get<string>('host', '127.0.0.1') || '127.0.0.1',
    port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 8642,
    allowRemote: c.get<boolean>('allowRemote', false),
  };
}

export type DemoSetting = 'ask' | 'always' | 'never';

export function demoSetting(): DemoSetting {
  const v = vscode.workspace.getConfiguration('singularity').get<string>('demoMode');
  return v === 'always' || v === 'never' ? v : 'ask';
}

export function affectsSingularity(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('singularity');
}

/** Settings are written to the user's global settings so a node added once serves every workspace. */
export async function addNodeSetting(node: NodeConfig): Promise<void> {
  const c = vscode.workspace.getConfiguration('singularity');
  const nodes = c.get<unknown[]>('nodes') ?? [];
  await c.update('nodes', [...nodes, node], vscode.ConfigurationTarget.Global);
}

export async function addCloudProviderSetting(provider: CloudProviderConfig): Promise<void> {
  const c = vscode.workspace.getConfiguration('singularity');
  const providers = c.get<unknown[]>('cloudProviders') ?? [];
  await c.update('cloudProviders', [...providers, provider], vscode.ConfigurationTarget.Global);
}

const SECRET_PREFIX = 'singularity.cloudApiKey.';
const secretKey = (providerName: string) => `${SECRET_PREFIX}${providerName}`;

/** API keys live only in SecretStorage (the OS keychain), never in settings, logs or the database. */
export class CloudKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(providerName: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(secretKey(providerName)));
  }

  set(providerName: string, key: string): Promise<void> {
    return Promise.resolve(this.secrets.store(secretKey(providerName), key));
  }

  /** A provider's key was stored or deleted (by this window or another one). */
  onDidChange(listener: (providerName: string) => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith(SECRET_PREFIX)) listener(e.key.slice(SECRET_PREFIX.length));
    });
  }
}

/** Cloud prices for the dashboard's money-saved figure (singularity.dashboard.cloudPrices), USD per million tokens. */
export function cloudPrices(): CloudPrices {
  const v = vscode.workspace.getConfiguration('singularity').get<Partial<CloudPrices>>('dashboard.cloudPrices') ?? {};
  const price = (n: unknown, fallback: number) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fallback);
  return { inputPerMillion: price(v.inputPerMillion, 2.5), outputPerMillion: price(v.outputPerMillion, 10) };
}

/** What retention keeps (singularity.retention.days; 0 keeps everything), as core's plain policy. */
export function retentionPolicy(): RetentionPolicy {
  const days = vscode.workspace.getConfiguration('singularity').get<unknown>('retention.days');
  return { ...DEFAULT_RETENTION, days: typeof days === 'number' && Number.isInteger(days) && days >= 0 ? days : DEFAULT_RETENTION.days };
}

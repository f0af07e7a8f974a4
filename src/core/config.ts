import type { BalancerConfig, CloudKind, CloudProviderConfig, DefaultModels, NodeConfig, PrivacyConfig, SingularityConfig, ThinkSetting, Tier } from './types';
import { DEFAULT_PRIVACY } from './context/cloudPolicy';
import { checkHttpUrl } from './nodes/probe';
import { STRATEGY_NAMES, isStrategyName } from './nodes/balancer';
import { THINK_SETTINGS } from './nodes/think';

export const DEFAULT_MODELS: DefaultModels = { chat: 'llama3.2', code: 'qwen2.5-coder', vision: 'moondream' };
export const DEFAULT_BALANCER: BalancerConfig = { strategy: 'performance-weighted', failureThreshold: 3, cooldownMs: 30_000 };

export interface ConfigResult {
  config: SingularityConfig;
  /** One actionable sentence per entry that was skipped or corrected. */
  problems: string[];
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * Turns settings as a user wrote them (editor settings or the CLI's --config JSON) into a valid
 * configuration. Bad entries are skipped with a message naming the entry and the fix; nothing throws.
 */
export function parseConfig(raw: unknown): ConfigResult {
  const problems: string[] = [];
  const src = isObject(raw) ? raw : {};
  const nodes = parseNodes(src.nodes, problems);
  const cloudProviders = parseCloud(src.cloudProviders, problems);
  const dm = isObject(src.defaultModels) ? src.defaultModels : {};
  const defaultModels: DefaultModels = {
    chat: str(dm.chat) ?? DEFAULT_MODELS.chat,
    code: str(dm.code) ?? DEFAULT_MODELS.code,
    vision: str(dm.vision) ?? DEFAULT_MODELS.vision,
  };
  return {
    config: { nodes, cloudProviders, defaultModels, balancer: parseBalancer(src.balancer, problems), privacy: parsePrivacy(src.privacy), think: parseThink(src.think, problems) },
    problems,
  };
}

function parseThink(value: unknown, problems: string[]): ThinkSetting {
  if (value === undefined || value === null || value === '') return 'auto';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  const setting = String(value).trim().toLowerCase();
  if ((THINK_SETTINGS as readonly string[]).includes(setting)) return setting;
  problems.push(`singularity.think "${String(value)}" is unknown; using auto (choices: ${THINK_SETTINGS.join(', ')}).`);
  return 'auto';
}

function parseBalancer(value: unknown, problems: string[]): BalancerConfig {
  const b = isObject(value) ? value : {};
  const strategy = isStrategyName(b.strategy) ? b.strategy : undefined;
  if (b.strategy !== undefined && !strategy) {
    problems.push(`singularity.balancer.strategy "${String(b.strategy)}" is unknown; using ${DEFAULT_BALANCER.strategy} (choices: ${STRATEGY_NAMES.join(', ')}).`);
  }
  const threshold = Number(b.failureThreshold);
  const cooldown = Number(b.cooldownSeconds);
  return {
    strategy: strategy ?? DEFAULT_BALANCER.strategy,
    failureThreshold: Number.isInteger(threshold) && threshold >= 1 ? threshold : DEFAULT_BALANCER.failureThreshold,
    cooldownMs: Number.isFinite(cooldown) && cooldown >= 1 ? cooldown * 1000 : DEFAULT_BALANCER.cooldownMs,
  };
}

function parseNodes(value: unknown, problems: string[]): NodeConfig[] {
  const nodes: NodeConfig[] = [];
  for (const [i, entry] of (Array.isArray(value) ? value : []).entries()) {
    const where = `singularity.nodes[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${where} is not an object with name and baseUrl; skipped.`);
      continue;
    }
    const baseUrl = str(entry.baseUrl)?.replace(/\/+$/, '');
    const urlProblem = baseUrl ? checkHttpUrl(baseUrl) : 'baseUrl is missing';
    if (!baseUrl || urlProblem) {
      problems.push(`${where}: ${urlProblem}; node skipped.`);
      continue;
    }
    const name = str(entry.name) ?? new URL(baseUrl).host;
    if (nodes.some((n) => n.name === name || n.baseUrl === baseUrl)) {
      problems.push(`${where} ("${name}", ${baseUrl}) duplicates an earlier node; skipped.`);
      continue;
    }
    const tier: Tier = entry.tier === 'lan' ? 'lan' : 'local';
    const models = Array.isArray(entry.models) ? entry.models.filter((m): m is string => typeof m === 'string' && !!m.trim()) : [];
    const parallel = Number(entry.maxParallel ?? 2);
    const maxParallel = Number.isInteger(parallel) && parallel >= 1 ? Math.min(parallel, 64) : 2;
    nodes.push({ name, baseUrl, tier, models, maxParallel });
  }
  return nodes;
}

function parseCloud(value: unknown, problems: string[]): CloudProviderConfig[] {
  const providers: CloudProviderConfig[] = [];
  for (const [i, entry] of (Array.isArray(value) ? value : []).entries()) {
    const where = `singularity.cloudProviders[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${where} is not an object with name, baseUrl and model; skipped.`);
      continue;
    }
    const kind: CloudKind = entry.kind === 'anthropic' ? 'anthropic' : 'openai';
    const baseUrl = (str(entry.baseUrl) ?? (kind === 'anthropic' ? 'https://api.anthropic.com/v1' : undefined))?.replace(/\/+$/, '');
    const model = str(entry.model);
    const urlProblem = baseUrl ? checkHttpUrl(baseUrl, 'https://api.openai.com/v1') : 'baseUrl is missing';
    if (!baseUrl || urlProblem || !model) {
      problems.push(`${where}: ${urlProblem ?? 'model is missing'}; provider skipped.`);
      continue;
    }
    const name = str(entry.name) ?? new URL(baseUrl).host;
    if (providers.some((p) => p.name === name)) {
      problems.push(`${where}: the name "${name}" is used twice; skipped.`);
      continue;
    }
    providers.push({ name, kind, baseUrl, model });
  }
  return providers;
}

function parsePrivacy(value: unknown): PrivacyConfig {
  const p = isObject(value) ? value : {};
  const patterns = Array.isArray(p.neverSend) ? p.neverSend.filter((x): x is string => typeof x === 'string' && !!x.trim()) : undefined;
  return { localOnly: p.localOnly === true, neverSend: patterns ?? DEFAULT_PRIVACY.neverSend };
}

// The router's settings (singularity.router.*), read the same way by the extension and the CLI.
// Out-of-range values fall back to the default with a problem the caller shows, like parseConfig.

import type { RouterMode } from '../../shared/router';
import type { LearnedRouterSettings } from './learned';
import type { Objective } from './abtest';

export const DEFAULT_ROUTER_SETTINGS: LearnedRouterSettings = {
  mode: 'ab',
  policy: { mode: 'cloudShare', cloudShare: 0.3 },
  explore: 0.05,
  mlShare: 0.5,
  abObjective: 'cloudTokens',
  retrainEvery: 50,
  learnMeaning: true,
};

const MODES: readonly RouterMode[] = ['ab', 'ml', 'heuristic'];

export interface RawRouterSettings {
  mode?: unknown;
  cloudShare?: unknown;
  qualityTarget?: unknown;
  explore?: unknown;
  abMlShare?: unknown;
  abObjective?: unknown;
  retrainEvery?: unknown;
  modelPath?: unknown;
  learnMeaning?: unknown;
}

export function parseRouterSettings(raw: RawRouterSettings): { settings: LearnedRouterSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_ROUTER_SETTINGS;
  const share = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'number' && value >= 0 && value <= 1) return value;
    problems.push(`singularity.router.${name} must be a number from 0 to 1; using ${fallback}.`);
    return fallback;
  };
  const mode = raw.mode === undefined ? d.mode : MODES.includes(raw.mode as RouterMode) ? (raw.mode as RouterMode) : (problems.push(`singularity.router.mode must be one of ${MODES.join(', ')}; using ${d.mode}.`), d.mode);
  const quality = raw.qualityTarget === undefined || raw.qualityTarget === null ? undefined : share(raw.qualityTarget, 'qualityTarget', 0.9);
  const retrainEvery =
    raw.retrainEvery === undefined ? d.retrainEvery : Number.isInteger(raw.retrainEvery) && (raw.retrainEvery as number) >= 0 ? (raw.retrainEvery as number) : (problems.push(`singularity.router.retrainEvery must be a whole number (0 = only on command); using ${d.retrainEvery}.`), d.retrainEvery);
  const cloudShare = share(raw.cloudShare, 'cloudShare', (d.policy as { cloudShare: number }).cloudShare);
  return {
    settings: {
      mode,
      policy: quality === undefined ? { mode: 'cloudShare', cloudShare } : { mode: 'quality', quality },
      explore: share(raw.explore, 'explore', d.explore),
      mlShare: share(raw.abMlShare, 'abMlShare', d.mlShare),
      abObjective:
        raw.abObjective === undefined || raw.abObjective === 'cloudTokens' || raw.abObjective === 'latencyMs'
          ? ((raw.abObjective as Objective | undefined) ?? d.abObjective)
          : (problems.push(`singularity.router.abObjective must be cloudTokens or latencyMs; using ${d.abObjective}.`), d.abObjective),
      retrainEvery,
      learnMeaning: typeof raw.learnMeaning === 'boolean' ? raw.learnMeaning : d.learnMeaning,
      ...(typeof raw.modelPath === 'string' && raw.modelPath.trim() ? { modelPath: raw.modelPath.trim() } : {}),
    },
    problems,
  };
}

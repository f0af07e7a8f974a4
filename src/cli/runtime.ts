// What every CLI command that answers requests needs: the configuration (file + flags), the store, the
// learned router with the shipped model, and routing, built as the extension builds them.

import { readFileSync } from 'node:fs';
import { parseConfig } from '../core/config';
import { createRouting, type Routing } from '../core/app';
import { Store } from '../core/store/db';
import { Requests } from '../core/store/requests';
import { RouterData } from '../core/store/routerData';
import { LearnedRouter } from '../core/router/learned';
import { parseRouterSettings } from '../core/router/settings';
import type { Logger } from '../core/log';
import { SHIPPED_MODEL, UsageError } from './router';
import { SHIPPED_GATE } from './gate';
import { parseQualitySettings } from '../core/quality/settings';
import { createLearning } from '../core/learning/learning';
import { OcrEngine } from '../core/vision/ocr';
import { VisionService } from '../core/vision/vision';
import { parseVisionSettings } from '../core/vision/settings';
import { Conversations } from '../core/store/conversations';

/** The flags of a command that routes requests (parseArgs option spec). */
export const RUNTIME_OPTIONS = {
  config: { type: 'string' },
  node: { type: 'string', multiple: true },
  'cloud-base': { type: 'string' },
  'cloud-model': { type: 'string' },
  db: { type: 'string' },
  verbose: { type: 'boolean', default: false },
} as const;

export interface RuntimeFlags {
  config?: string;
  node?: string[];
  'cloud-base'?: string;
  'cloud-model'?: string;
  db?: string;
  verbose?: boolean;
}

export interface Runtime extends Routing {
  log: Logger;
  close(): Promise<void>;
}

export function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (m: string) => process.stderr.write(`[${level}] ${m}\n`);
  const quiet = () => {};
  return { debug: verbose ? write('debug') : quiet, info: verbose ? write('info') : quiet, warn: write('warn'), error: write('error') };
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the config file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`The config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Keys written in the config file, by provider name. */
function keysFromConfig(raw: Record<string, unknown>): Map<string, string> {
  const keys = new Map<string, string>();
  for (const p of Array.isArray(raw.cloudProviders) ? raw.cloudProviders : []) {
    if (p && typeof p.name === 'string' && typeof p.apiKey === 'string') keys.set(p.name, p.apiKey);
  }
  return keys;
}


export async function openRuntime(values: RuntimeFlags): Promise<Runtime> {
  if (!!values['cloud-base'] !== !!values['cloud-model']) throw new UsageError('--cloud-base and --cloud-model go together.');
  const raw = readConfigFile(values.config);
  const rawNodes = [...(Array.isArray(raw.nodes) ? raw.nodes : []), ...(values.node ?? []).map((url, i) => ({ name: `node${i + 1}`, baseUrl: url }))];
  const rawCloud = [
    ...(Array.isArray(raw.cloudProviders) ? raw.cloudProviders : []),
    ...(values['cloud-base'] ? [{ name: 'cloud', baseUrl: values['cloud-base'], model: values['cloud-model'] }] : []),
  ];
  const log = stderrLogger(values.verbose ?? false);
  const { config, problems } = parseConfig({ ...raw, nodes: rawNodes, cloudProviders: rawCloud });
  for (const p of problems) log.warn(p);

  const configKeys = keysFromConfig(raw);
  const { store, warnings } = await Store.open({ file: values.db, log });
  for (const w of warnings) log.warn(w);
  const routerSettings = parseRouterSettings((raw.router ?? {}) as Record<string, unknown>);
  for (const p of routerSettings.problems) log.warn(p);
  const routerData = new RouterData(store);
  // The CLI routes like the extension but does not retrain in the background: `singularity train` does that.
  const router = new LearnedRouter({ shipped: SHIPPED_MODEL }, () => ({ ...routerSettings.settings, retrainEvery: 0 }), log, routerData);
  const quality = parseQualitySettings((raw.quality ?? {}) as Record<string, unknown>);
  for (const p of quality.problems) log.warn(p);
  const conversations = new Conversations(store);
  const learning = createLearning({ store, routerData, exchange: (id) => conversations.exchange(id), settings: () => quality.settings, gateModelPath: SHIPPED_GATE, log });
  const visionSettings = parseVisionSettings((raw.vision ?? {}) as Record<string, unknown>);
  for (const p of visionSettings.problems) log.warn(p);
  const ocr = new OcrEngine(log);
  const routing = createRouting({
    config,
    router,
    routerData,
    learning,
    vision: new VisionService({ settings: () => visionSettings.settings, ocr, log }),
    requests: new Requests(store),
    cloudKey: async (name) => configKeys.get(name) ?? process.env.SINGULARITY_CLOUD_API_KEY,
    log,
  });
  return {
    ...routing,
    log,
    close: async () => {
      routing.nodes.stopPolling();
      await Promise.all([router.dispose(), ocr.dispose()]);
      await store.close();
    },
  };
}

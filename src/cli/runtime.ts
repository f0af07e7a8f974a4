// What every CLI command that answers requests needs: the configuration (file + flags), the store, and the
// services built by the same composition root as the extension's (core/app.ts): the learned router with the
// shipped model, route history, learning, context compression and vision.

import { readFileSync } from 'node:fs';
import { parseConfig } from '../core/config';
import { createServices, type Routing } from '../core/app';
import { Store } from '../core/store/db';
import { parseRouterSettings } from '../core/router/settings';
import { parseContextSettings } from '../core/context/settings';
import type { Logger } from '../core/log';
import { SHIPPED_MODEL, UsageError } from './router';
import { SHIPPED_GATE } from './gate';
import { parseQualitySettings } from '../core/quality/settings';
import { parseVisionSettings } from '../core/vision/settings';
import { terminalSafe } from './terminalText';

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
  /** Loads the router's model, the gate and the encoder now rather than on the first request (a server's start; `ask` needs none of it ahead). */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export function stderrLogger(verbose: boolean): Logger {
  // Log lines quote nodes' and servers' error text: nothing in it may steer the terminal.
  const write = (level: string) => (m: string) => process.stderr.write(`[${level}] ${terminalSafe(m)}\n`);
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


/** One settings group of the config file ("router", "quality", ...), its problems logged as warnings. */
function settingsOf<T>(raw: unknown, parse: (raw: Record<string, unknown>) => { settings: T; problems: string[] }, log: Logger): T {
  const { settings, problems } = parse((raw ?? {}) as Record<string, unknown>);
  for (const p of problems) log.warn(p);
  return settings;
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
  // The file is read in the store's worker while the rest starts; whatever needs it waits inside the store.
  const { store, opened } = Store.opening({ file: values.db, log });
  opened.then(
    (warnings) => warnings.forEach((w) => log.warn(w)),
    (err: Error) => log.error(`Opening the database failed: ${err.message}`),
  );
  const router = settingsOf(raw.router, parseRouterSettings, log);
  const quality = settingsOf(raw.quality, parseQualitySettings, log);
  const context = settingsOf(raw.context, parseContextSettings, log);
  const vision = settingsOf(raw.vision, parseVisionSettings, log);
  const services = createServices({
    store,
    routerModels: { shipped: SHIPPED_MODEL },
    gateModelPath: SHIPPED_GATE,
    // The CLI routes like the extension but does not retrain in the background: `singularity train` does that.
    settings: { router: () => ({ ...router, retrainEvery: 0 }), quality: () => quality, context: () => context, vision: () => vision },
    cloudKey: async (name) => configKeys.get(name) ?? process.env.SINGULARITY_CLOUD_API_KEY,
    log,
  });
  const routing = services.routing(config);
  const warming = new AbortController();
  return {
    ...routing,
    log,
    warmUp: async () => {
      await services.warmUp(routing, { delayMs: 0, signal: warming.signal });
    },
    close: async () => {
      warming.abort();
      routing.nodes.stopPolling();
      await services.dispose();
      await store.close();
    },
  };
}

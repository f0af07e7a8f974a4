// The `singularity` command: the same core as the extension, without an editor.
//
//   singularity ask [--config FILE] [--node URL]... [--cloud-base URL --cloud-model M] [--model M]
//                   [--route local|lan|cloud|auto] [--db FILE] "prompt"
//   singularity train | route-eval | route-score | route-replay ...   (router models; see ./router.ts)
//
// The answer streams to stdout; a one-line JSON summary goes to stderr. Cloud keys come from
// SINGULARITY_CLOUD_API_KEY or the config file's cloudProviders[].apiKey, never from flags.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../core/config';
import { createRouting } from '../core/app';
import { Store } from '../core/store/db';
import { Requests } from '../core/store/requests';
import { ask } from '../core/pipeline';
import type { Logger } from '../core/log';
import type { RouteRequest } from '../core/types';
import { runRouteEval, runRouteReplay, runRouteScore, runTrain, SHIPPED_MODEL, UsageError } from './router';
import { LearnedRouter } from '../core/router/learned';
import { parseRouterSettings } from '../core/router/settings';
import { RouterData } from '../core/store/routerData';

const USAGE = `Usage:
  singularity ask [--config FILE] [--node URL]... [--cloud-base URL --cloud-model M] [--model M]
                  [--route local|lan|cloud|auto] [--db FILE] [--verbose] "prompt"

  --config FILE   JSON shaped like the extension's settings: {"nodes": [...], "cloudProviders": [...], "defaultModels": {...}}
  --node URL      an Ollama node (repeatable); added to the config's nodes
  --cloud-base    base URL of an OpenAI-compatible API; with --cloud-model
  --route         force a route (default auto)
  --db FILE       record the request in this database (default: not recorded)
  Cloud API key: environment variable SINGULARITY_CLOUD_API_KEY (or cloudProviders[].apiKey in --config).

  singularity train --data FILE.jsonl[:WEIGHT]... [--trees N] [--depth D] [--seed S] --out FILE.onnx
  singularity route-eval --data FILE.jsonl [--model FILE.onnx]
  singularity route-score --data FILE.jsonl [--model FILE.onnx] --out PREDS.jsonl
  singularity route-replay --data FILE.jsonl --out PREDS.jsonl [--retrain-every N] [--seed S] [--shuffle]
                           [--model FILE.onnx] [--explore E] [--cloud-share S]
    FILE.jsonl rows follow the router benchmark format (docs/ML_ROUTER_IMPLEMENTATION.md); the model
    defaults to the shipped models/router.onnx.`;

const ROUTES: readonly RouteRequest[] = ['local', 'lan', 'cloud', 'auto'];


function stderrLogger(verbose: boolean): Logger {
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

async function runAsk(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      node: { type: 'string', multiple: true },
      'cloud-base': { type: 'string' },
      'cloud-model': { type: 'string' },
      model: { type: 'string' },
      route: { type: 'string', default: 'auto' },
      db: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const prompt = positionals.join(' ').trim();
  if (!prompt) throw new UsageError('No prompt given.');
  const route = values.route as RouteRequest;
  if (!ROUTES.includes(route)) throw new UsageError(`--route must be one of ${ROUTES.join(', ')}.`);
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
  const router = new LearnedRouter(
    { shipped: SHIPPED_MODEL },
    () => ({ ...routerSettings.settings, retrainEvery: 0 }),
    log,
    routerData,
  );
  const { deps, nodes } = createRouting({
    config,
    router,
    routerData,
    requests: new Requests(store),
    cloudKey: async (name) => configKeys.get(name) ?? process.env.SINGULARITY_CLOUD_API_KEY,
    log,
  });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    await nodes.refresh();
    const events = ask(
      { id: randomUUID(), question: prompt, history: [], context: [], route, model: values.model, source: 'cli', signal: controller.signal },
      deps,
    );
    for await (const event of events) {
      if (event.type === 'token') process.stdout.write(event.text);
      if (event.type !== 'end') continue;
      const { result } = event;
      if (result.text && !result.text.endsWith('\n')) process.stdout.write('\n');
      process.stderr.write(`${JSON.stringify({ outcome: result.outcome, ...result.meta, error: result.error })}\n`);
      if (result.outcome === 'error') process.stderr.write(`singularity: ${result.error}\n`);
      return result.outcome === 'ok' ? 0 : 1;
    }
    return 1;
  } finally {
    await router.dispose();
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const commands: Record<string, (argv: string[]) => Promise<number>> = {
    ask: runAsk,
    train: runTrain,
    'route-eval': runRouteEval,
    'route-score': runRouteScore,
    'route-replay': runRouteReplay,
  };
  const run = commands[command];
  if (!run) throw new UsageError(`Unknown command "${command}".`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`singularity: ${err.message}\n`);
    // parseArgs reports unknown or malformed flags with ERR_PARSE_ARGS_* codes: those are usage errors too.
    const usage = err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    if (usage) process.stderr.write(`\n${USAGE}\n`);
    process.exit(usage ? 2 : 1);
  },
);

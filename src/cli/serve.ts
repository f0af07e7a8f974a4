// `singularity serve`: the OpenAI- and Anthropic-compatible endpoint without an editor, for CLI agents and
// scripts. Runs until SIGINT/SIGTERM; both base URLs go to stdout, the key too when it was generated.

import { parseArgs } from 'node:util';
import { generateProxyKey, startProxy } from '../core/proxy/server';
import { anthropicBaseUrl } from '../core/proxy/clientSetup';
import { openRuntime, RUNTIME_OPTIONS } from './runtime';
import { UsageError } from './router';

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...RUNTIME_OPTIONS, port: { type: 'string', default: '8642' }, host: { type: 'string', default: '127.0.0.1' }, 'allow-remote': { type: 'boolean', default: false } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0 picks a free one).');
  const given = process.env.SINGULARITY_PROXY_KEY;
  const key = given || generateProxyKey();
  const runtime = await openRuntime(values);
  try {
    await runtime.nodes.refresh();
    runtime.nodes.startPolling(30_000);
    const proxy = await startProxy({ host: values.host, port, key, allowRemote: values['allow-remote'], deps: () => runtime.deps, log: runtime.log });
    process.stdout.write(`OPENAI_BASE_URL=${proxy.url}\nANTHROPIC_BASE_URL=${anthropicBaseUrl(proxy.url)}\n${given ? '' : `OPENAI_API_KEY=${key}\n`}`);
    const warmed = runtime.warmUp();
    if (!given) process.stderr.write('singularity: generated a key for this run (set SINGULARITY_PROXY_KEY to choose one).\n');
    if (values['allow-remote'] && values.host !== '127.0.0.1') process.stderr.write(`singularity: WARNING: listening on ${values.host}; anyone who reaches it with the key uses your nodes and cloud key.\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await proxy.close();
    await warmed;
    return 0;
  } finally {
    await runtime.close();
  }
}

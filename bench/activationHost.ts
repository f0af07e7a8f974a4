// One activation of the built extension in a fresh Node process (bench/activation.ts bundles this file and runs
// it with plain `node`, no loader, so the bundle is required as the editor requires it).
//
//   node activationHost.cjs BUNDLE STORAGE_DIR EXTENSION_PATH
//
// `vscode` resolves to bench/vscodeStub.ts. Prints one JSON line: requireMs (loading the bundle), activateMs
// (activate() until its promise settles), maxStallMs (longest event-loop stall during activate), maxStallAfterMs
// (longest stall in the 5 s after it), touched (the API members activate reached that the stub only records).

import Module, { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { extensionContext, touched, vscodeStub } from './vscodeStub';

interface Extension {
  activate(context: unknown): Promise<void>;
  deactivate?(): Promise<void>;
}

/** How long after activate() the host is watched for stalls from work it started. */
const SETTLE_MS = 5000;

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

async function main(): Promise<void> {
  const [bundle, storage, extensionPath] = process.argv.slice(2);
  if (!bundle || !storage || !extensionPath) throw new Error('usage: activationHost.cjs BUNDLE STORAGE_DIR EXTENSION_PATH');
  const stub = vscodeStub();
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  loader._load = (request, parent, isMain) => (request === 'vscode' ? stub : load(request, parent, isMain));

  const t0 = performance.now();
  const ext = createRequire(__filename)(bundle) as Extension;
  const requireMs = performance.now() - t0;

  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(5);
  const t1 = performance.now();
  await ext.activate(extensionContext(storage, extensionPath));
  const activateMs = performance.now() - t1;
  await sleep(5);
  const maxStallMs = h.max / 1e6;
  // What activate() left running (opening the store, warming models) still runs on the editor's thread.
  h.reset();
  await sleep(SETTLE_MS);
  const maxStallAfterMs = h.max / 1e6;
  h.disable();
  await ext.deactivate?.();
  process.stdout.write(`${JSON.stringify({ requireMs, activateMs, maxStallMs, maxStallAfterMs, touched: [...touched].sort() })}\n`);
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`activation failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

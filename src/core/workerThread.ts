import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker script `name` that lives in `dir` next to its caller: in the bundle, dist/<name>.js
 * (an esbuild entry of its own); from source (tests, benches, the CLI through tsx), <name>.ts through tsx.
 */
export function startWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const bundled = join(dir, `${name}.js`);
  if (existsSync(bundled)) return new Worker(bundled, options);
  const source = join(dir, `${name}.ts`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { ...options, eval: true });
}

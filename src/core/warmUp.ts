// The cold paths of the first routed request, taken in idle time instead: the router's ONNX session (the
// native module, the session and its first run), the gate model and its calibrated threshold, and the
// sentence encoder's worker. Without it the first request of a session pays 149-845 ms before its first
// token for what later ones get for free. Each step runs in a turn of the event loop of its own, after
// `delayMs`, so activation, the panel's first paint and a request that comes first all go before it;
// a step that fails is logged, and the request that needs the part handles its failure as it would have.

import type { Logger } from './log';

export interface WarmStep {
  name: string;
  run(): unknown;
}

/** After activation: long enough for the views to render and the nodes' first probe to start. */
export const WARM_UP_DELAY_MS = 1_000;

export interface WarmedStep {
  name: string;
  ms: number;
  error?: string;
}

export async function warmUp(steps: readonly WarmStep[], log: Logger, options: { delayMs?: number; signal?: AbortSignal } = {}): Promise<WarmedStep[]> {
  await new Promise<void>((resolve) => setTimeout(resolve, options.delayMs ?? WARM_UP_DELAY_MS));
  const done: WarmedStep[] = [];
  for (const step of steps) {
    if (options.signal?.aborted) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
    const started = performance.now();
    try {
      await step.run();
      done.push({ name: step.name, ms: performance.now() - started });
    } catch (err) {
      done.push({ name: step.name, ms: performance.now() - started, error: (err as Error).message });
    }
  }
  const failed = done.filter((d) => d.error);
  log.debug(`Warmed up: ${done.map((d) => `${d.name} ${Math.round(d.ms)} ms`).join(', ')}`);
  for (const f of failed) log.warn(`Warm-up of the ${f.name} failed: ${f.error}`);
  return done;
}

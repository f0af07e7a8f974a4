/** Runs one part of a benchmark and records its wall time in seconds under `name`. */
export async function timed<T>(seconds: Record<string, number>, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  seconds[name] = (performance.now() - started) / 1000;
  return result;
}

/** The q-quantile (0..1) of samples, nearest rank; NaN for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Median, 95th percentile and mean of latency samples. */
export function latencySummary(samples: readonly number[]): { median: number; p95: number; mean: number } {
  return { median: quantile(samples, 0.5), p95: quantile(samples, 0.95), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

/** Milliseconds rounded to 0.1, for results files. */
export const round1 = (ms: number): number => Math.round(ms * 10) / 10;

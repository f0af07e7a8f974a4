/** Runs one part of a benchmark and records its wall time in seconds under `name`. */
export async function timed<T>(seconds: Record<string, number>, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  seconds[name] = (performance.now() - started) / 1000;
  return result;
}

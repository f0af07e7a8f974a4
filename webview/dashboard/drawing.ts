// How a chart draws its data, decided from the data alone (pure, so the rules are testable without a canvas).

/**
 * At most this many buckets with data draw as bars: a line needs neighbours, and with one or two points it
 * either draws nothing (averages: empty buckets are gaps) or a ramp from the empty bucket before (counts:
 * empty buckets are 0), which reads as a trend that never happened.
 */
export const SPARSE_BUCKETS = 3;

/**
 * From this ratio between the largest and the smallest value on a chart, its y axis is logarithmic: one node
 * ten times faster than the others (or one outlier bucket) would otherwise squeeze every other line onto the
 * floor. Below it a linear axis reads more naturally.
 */
export const LOG_SPREAD = 10;

export interface Drawing {
  bars: boolean;
  log: boolean;
}

type Values = readonly (number | null)[];

/** `bars`: the chart always draws bars; `logWhenSpread`: its scale may turn logarithmic (see LOG_SPREAD). */
export function drawingFor(series: readonly Values[], chart: { bars?: boolean; logWhenSpread?: boolean }): Drawing {
  return {
    bars: !!chart.bars || bucketsWithData(series) <= SPARSE_BUCKETS,
    log: !!chart.logWhenSpread && spread(series) >= LOG_SPREAD,
  };
}

/** Buckets where any series has a non-zero value. */
export function bucketsWithData(series: readonly Values[]): number {
  const length = Math.max(0, ...series.map((s) => s.length));
  let count = 0;
  for (let i = 0; i < length; i++) if (series.some((s) => (s[i] ?? 0) !== 0)) count++;
  return count;
}

/** Largest / smallest positive value over every series; 1 with fewer than two such values. */
export function spread(series: readonly Values[]): number {
  const positive = series.flatMap((s) => s.filter((v): v is number => v !== null && v > 0));
  return positive.length < 2 ? 1 : Math.max(...positive) / Math.min(...positive);
}

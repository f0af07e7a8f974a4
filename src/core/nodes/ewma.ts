// Measured speed per node, smoothed. The balancer needs "how fast is this node lately", not its
// all-time average: load, loaded models and thermal throttling change, so recent requests count most.

/**
 * Exponentially weighted moving average. The first sample is taken as is (no bias towards 0); each
 * later one moves the value by `alpha` of the difference. With alpha 0.3 a sample's weight halves
 * about every two requests, so the value follows a changed node within a handful of requests while
 * one outlier moves it by only 30%.
 */
export class Ewma {
  private current: number | undefined;
  private count = 0;

  constructor(private readonly alpha = 0.3) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`Ewma alpha must be in (0, 1], got ${alpha}`);
  }

  /** Adds a sample and returns the new average. Non-finite samples are a caller bug and throw. */
  update(x: number): number {
    if (!Number.isFinite(x)) throw new RangeError(`Ewma sample must be finite, got ${x}`);
    this.current = this.current === undefined ? x : this.alpha * x + (1 - this.alpha) * this.current;
    this.count++;
    return this.current;
  }

  /** Undefined until the first sample: "unknown" is different from 0 (the balancer uses priors then). */
  get value(): number | undefined {
    return this.current;
  }

  get samples(): number {
    return this.count;
  }
}

export interface NodeSpeed {
  /** EWMA of time to first token, ms. */
  ttftMs?: number;
  /** EWMA of generation speed (per request, under whatever concurrency the node had). */
  tokensPerSecond?: number;
  /** Requests that contributed at least one measurement. */
  samples: number;
}

const nonNegative = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x >= 0;

/**
 * Time to first token and generation speed per node, each an EWMA. Bad measurements (NaN, Infinity,
 * negative, e.g. from a clock glitch or a division by a zero duration) are ignored rather than
 * poisoning the average; so is a speed of 0, which would make the node look infinitely slow.
 */
export class NodeStats {
  private readonly nodes = new Map<string, { ttft: Ewma; tps: Ewma; samples: number }>();

  constructor(private readonly alpha = 0.3) {}

  record(node: string, sample: { ttftMs?: number; tokensPerSecond?: number }): void {
    const ttftOk = nonNegative(sample.ttftMs);
    const tpsOk = nonNegative(sample.tokensPerSecond) && sample.tokensPerSecond > 0;
    if (!ttftOk && !tpsOk) return;
    let entry = this.nodes.get(node);
    if (!entry) {
      entry = { ttft: new Ewma(this.alpha), tps: new Ewma(this.alpha), samples: 0 };
      this.nodes.set(node, entry);
    }
    if (ttftOk) entry.ttft.update(sample.ttftMs!);
    if (tpsOk) entry.tps.update(sample.tokensPerSecond!);
    entry.samples++;
  }

  get(node: string): NodeSpeed {
    const entry = this.nodes.get(node);
    if (!entry) return { samples: 0 };
    return { ttftMs: entry.ttft.value, tokensPerSecond: entry.tps.value, samples: entry.samples };
  }
}

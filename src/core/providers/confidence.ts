// Token confidence of a streamed answer, from the log-probabilities the provider returns with its tokens.
// Measured here, on the wire, so every consumer (the quality gate, the meta line, the store) reads one summary.

import type { TokenConfidence } from '../types';
import type { TokenLogprob } from './types';

/** Below this a token was given less than 10% probability. */
const LOW_LOGPROB = Math.log(0.1);

export class ConfidenceMeter {
  private readonly logprobs: number[] = [];
  private marginSum = 0;
  private margins = 0;

  add(tokens: readonly TokenLogprob[]): void {
    for (const t of tokens) {
      this.logprobs.push(t.logprob);
      if (t.top && t.top.length >= 2) {
        const [first, second] = [...t.top].sort((a, b) => b - a);
        this.marginSum += first! - second!;
        this.margins += 1;
      }
    }
  }

  /** Mean log-probability of the last `n` tokens (a collapse mid-answer shows here first). */
  recentMean(n: number): number | undefined {
    if (this.logprobs.length < n) return undefined;
    return this.logprobs.slice(-n).reduce((a, b) => a + b, 0) / n;
  }

  summary(): TokenConfidence | undefined {
    const n = this.logprobs.length;
    if (n === 0) return undefined;
    const sorted = [...this.logprobs].sort((a, b) => a - b);
    return {
      tokens: n,
      meanLogprob: this.logprobs.reduce((a, b) => a + b, 0) / n,
      p10Logprob: sorted[Math.floor(0.1 * (n - 1))]!,
      lowShare: this.logprobs.filter((l) => l < LOW_LOGPROB).length / n,
      ...(this.margins > 0 ? { margin: this.marginSum / this.margins } : {}),
    };
  }
}

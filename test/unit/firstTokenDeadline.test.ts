import { describe, expect, it } from 'vitest';
import { firstTokenDeadlineMs, MIN_FAILOVER_MS, PROMPT_MS_PER_TOKEN, UNMEASURED_TTFT_MS, HUNG_TTFT_FACTOR } from '../../src/core/nodes/firstTokenDeadline';

const LONG = 120_000;
const warm = { ttftMs: 800, loaded: true, alternative: true, promptTokens: 0 };

describe('first-token deadline of a node attempt', () => {
  it('is a few times the node\'s measured first-token time when the model is loaded and another node can serve', () => {
    expect(firstTokenDeadlineMs(warm, LONG)).toBe(HUNG_TTFT_FACTOR * 800);
  });

  it('keeps the long limit for a model that is not loaded, whose first token waits for the load', () => {
    expect(firstTokenDeadlineMs({ ...warm, loaded: false }, LONG)).toBe(LONG);
  });

  it('keeps the long limit when no other node could take the request', () => {
    expect(firstTokenDeadlineMs({ ...warm, alternative: false }, LONG)).toBe(LONG);
  });

  it('never fails over sooner than the floor, however fast the node usually is', () => {
    expect(firstTokenDeadlineMs({ ...warm, ttftMs: 20 }, LONG)).toBe(MIN_FAILOVER_MS);
  });

  it('assumes a cautious first-token time for a node with no measured answer yet', () => {
    expect(firstTokenDeadlineMs({ ...warm, ttftMs: undefined }, LONG)).toBe(HUNG_TTFT_FACTOR * UNMEASURED_TTFT_MS);
  });

  it('allows time to read a long prompt on top', () => {
    expect(firstTokenDeadlineMs({ ...warm, promptTokens: 4000 }, LONG)).toBe(HUNG_TTFT_FACTOR * 800 + 4000 * PROMPT_MS_PER_TOKEN);
  });

  it('is never longer than the long limit', () => {
    expect(firstTokenDeadlineMs({ ...warm, ttftMs: 60_000, promptTokens: 100_000 }, LONG)).toBe(LONG);
  });
});

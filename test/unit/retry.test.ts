import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from '../../src/core/providers/retry';
import type { ProviderErrorCode } from '../../src/core/providers/errors';

const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 30_000 };
const top = () => 0.999_999;

describe('retryDelayMs', () => {
  it('defaults to 3 attempts, 500 ms base, 8 s cap, Retry-After up to 30 s', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual(policy);
  });

  it('retries only rate limits and server errors', () => {
    const codes: ProviderErrorCode[] = ['unreachable', 'auth', 'rateLimited', 'modelNotFound', 'server', 'badResponse', 'aborted'];
    const retryable = codes.filter((code) => retryDelayMs(1, { code }, policy, top) !== undefined);
    expect(retryable).toEqual(['rateLimited', 'server']);
  });

  it('backs off exponentially: the ceiling doubles per attempt', () => {
    const many = { ...policy, maxAttempts: 10 };
    const ceilings = [1, 2, 3, 4].map((n) => Math.round(retryDelayMs(n, { code: 'server' }, many, top)!));
    expect(ceilings).toEqual([500, 1000, 2000, 4000]);
  });

  it('never waits longer than maxDelayMs', () => {
    expect(retryDelayMs(9, { code: 'server' }, { ...policy, maxAttempts: 10 }, top)).toBeLessThanOrEqual(8000);
  });

  it('uses full jitter: anywhere from 0 up to the ceiling', () => {
    expect(retryDelayMs(2, { code: 'server' }, policy, () => 0)).toBe(0);
    expect(retryDelayMs(2, { code: 'server' }, policy, () => 0.5)).toBe(500);
  });

  it('gives up once the attempts are used up', () => {
    expect(retryDelayMs(2, { code: 'server' }, policy, top)).toBeDefined();
    expect(retryDelayMs(3, { code: 'server' }, policy, top)).toBeUndefined();
  });

  it('waits exactly as long as the server asked with Retry-After', () => {
    expect(retryDelayMs(1, { code: 'rateLimited', retryAfterMs: 12_000 }, policy, top)).toBe(12_000);
  });

  it('does not wait out a Retry-After beyond maxRetryAfterMs (the user is told when to retry)', () => {
    expect(retryDelayMs(1, { code: 'rateLimited', retryAfterMs: 30_001 }, policy, top)).toBeUndefined();
  });

  it('still gives up after the last attempt even with a short Retry-After', () => {
    expect(retryDelayMs(3, { code: 'rateLimited', retryAfterMs: 10 }, policy, top)).toBeUndefined();
  });
});

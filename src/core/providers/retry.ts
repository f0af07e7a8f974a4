// Retries of cloud calls that failed before answering, as data: which errors, how often, how long to
// wait. Only the step that opens a stream is retried (before the first token): once text has reached
// the user, repeating the request would duplicate it.

export interface RetryPolicy {
  /** Attempts in total, the first included (3 = the first try and up to 2 retries). */
  maxAttempts: number;
  /** Backoff ceiling for the first retry; doubles per retry. */
  baseDelayMs: number;
  /** Backoff ceiling never exceeds this. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the user is told when to retry instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 30_000 };

/**
 * Retryable ProviderErrorCodes (see errors.ts): a rate limit or a server error may pass. Everything
 * else will fail the same way again (bad key, unknown model, unreadable response) or was the user's
 * choice (aborted); 'unreachable' is left to the caller's failover to another target instead.
 */
const RETRYABLE: ReadonlySet<string> = new Set(['rateLimited', 'server']);

export interface RetryableError {
  code: string;
  retryAfterMs?: number;
}

/**
 * How long to wait after attempt `attempt` (1-based: the attempt that just failed) before the next,
 * or undefined to give up: the code is not retryable, the attempts are used up, or the server's
 * Retry-After is longer than `maxRetryAfterMs` (the error message tells the user when to retry).
 * A Retry-After the server sent wins; otherwise exponential backoff with full jitter —
 * random() * min(maxDelayMs, baseDelayMs * 2^(attempt-1)) — so many clients that failed together do
 * not retry together.
 */
export function retryDelayMs(attempt: number, error: RetryableError, policy: RetryPolicy, random: () => number): number | undefined {
  if (!RETRYABLE.has(error.code) || attempt >= policy.maxAttempts) return undefined;
  const retryAfter = error.retryAfterMs;
  if (retryAfter !== undefined && Number.isFinite(retryAfter)) {
    return retryAfter <= policy.maxRetryAfterMs ? Math.max(0, retryAfter) : undefined;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return random() * ceiling;
}

// Provider failures, classified so callers can decide (retry elsewhere, ask for a key, wait) and users
// get a message that says what to do. Raw library errors never reach the panel.

export type ProviderErrorCode =
  | 'unreachable'
  | 'auth'
  | 'rateLimited'
  | 'modelNotFound'
  | 'server'
  | 'badResponse'
  /** The model called a tool with arguments that are not a JSON object: the client could not run the call. */
  | 'badToolCall'
  | 'aborted';

export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

interface HttpLikeError {
  status?: number;
  status_code?: number;
  headers?: Headers | Record<string, string>;
  name?: string;
  message?: string;
  cause?: unknown;
}

function header(headers: HttpLikeError['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Maps an error thrown by ollama-js, the openai SDK or fetch to a ProviderError naming `where`. */
export function classifyError(err: unknown, where: string, signal?: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as HttpLikeError;
  if (signal?.aborted || e.name === 'AbortError' || e.name === 'APIUserAbortError') {
    return new ProviderError('aborted', `Request to ${where} was cancelled.`);
  }
  const status = e.status ?? e.status_code;
  const detail = (e.message ?? String(err)).slice(0, 300);
  if (status === 401 || status === 403) {
    return new ProviderError('auth', `${where} rejected the API key (HTTP ${status}). Run "Singularity: Set Cloud API Key" to enter a valid key.`);
  }
  if (status === 404) {
    return new ProviderError('modelNotFound', `${where}: model not found (${detail}). Pull it on the node (ollama pull MODEL) or change the model in settings.`);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(header(e.headers, 'retry-after'));
    const wait = retryAfterMs === undefined ? '' : ` Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
    return new ProviderError('rateLimited', `${where} is rate limiting requests (HTTP 429).${wait}`, retryAfterMs);
  }
  if (status !== undefined && status >= 500) {
    return new ProviderError('server', `${where} failed with HTTP ${status}: ${detail}`);
  }
  if (status !== undefined) {
    return new ProviderError('badResponse', `${where} answered HTTP ${status}: ${detail}`);
  }
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|socket|terminated|Connection error/i.test(detail + String(e.cause ?? ''))) {
    return new ProviderError('unreachable', `Cannot reach ${where} (${detail}). Check that the server is running and the URL is right.`);
  }
  return new ProviderError('badResponse', `${where} sent a response that could not be read: ${detail}`);
}

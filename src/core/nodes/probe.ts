import { Ollama } from 'ollama';
import { classifyError } from '../providers/errors';

export interface NodeProbe {
  ok: boolean;
  version?: string;
  models: string[];
  /** Models in memory right now (/api/ps): requests for them skip the cold load. */
  loaded: string[];
  error?: string;
  latencyMs: number;
}

/** Checks a URL before it is used anywhere: must be http(s). Returns an actionable message or undefined. */
export function checkHttpUrl(url: string, example = 'http://HOST:11434'): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a valid URL; use the form ${example}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `"${url}" must start with http:// or https:// (e.g. ${example})`;
  }
  return undefined;
}

/** Asks an Ollama server for its version (/api/version), models (/api/tags) and loaded models (/api/ps), within a time limit. */
export async function probeNode(baseUrl: string, timeoutMs = 3000): Promise<NodeProbe> {
  const started = Date.now();
  const urlProblem = checkHttpUrl(baseUrl);
  if (urlProblem) return { ok: false, models: [], loaded: [], error: urlProblem, latencyMs: 0 };
  const signal = AbortSignal.timeout(timeoutMs);
  const client = new Ollama({ host: baseUrl, fetch: (input, init) => fetch(input, { ...init, signal }) });
  try {
    const [{ version }, { models }, ps] = await Promise.all([client.version(), client.list(), client.ps()]);
    return { ok: true, version, models: models.map((m) => m.name), loaded: ps.models.map((m) => m.name), latencyMs: Date.now() - started };
  } catch (err) {
    const message = signal.aborted
      ? `No answer from ${baseUrl} within ${timeoutMs} ms. Is Ollama running there (OLLAMA_HOST=0.0.0.0 for LAN nodes)?`
      : classifyError(err, baseUrl).message;
    return { ok: false, models: [], loaded: [], error: message, latencyMs: Date.now() - started };
  }
}

import { Ollama } from 'ollama';
import { classifyError } from '../providers/errors';

export interface NodeProbe {
  ok: boolean;
  version?: string;
  models: string[];
  /** Models in memory right now (/api/ps): requests for them skip the cold load. */
  loaded: string[];
  /** What each model can do (/api/show), for the models whose show answered. */
  capabilities?: Record<string, ModelCapabilities>;
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

/** What /api/show says a model can do: `completion`, `vision`, `tools`, `thinking`, `embedding`, and its think levels. */
export interface ModelCapabilities {
  capabilities: string[];
  /** Think levels the model takes (e.g. gpt-oss: low, medium, high); empty when it takes only on/off. */
  thinkLevels: string[];
}

/**
 * /api/show answers per model, kept by server, name and digest: a model's capabilities change only when it is
 * pulled again (new digest), so a probe on the timer asks only about models it has not seen.
 */
const shown = new Map<string, ModelCapabilities>();

async function capabilitiesOf(client: Ollama, baseUrl: string, models: { name: string; digest: string }[]): Promise<Record<string, ModelCapabilities>> {
  const out: Record<string, ModelCapabilities> = {};
  await Promise.all(
    models.map(async ({ name, digest }) => {
      const key = `${baseUrl}\0${name}\0${digest}`;
      let caps = shown.get(key);
      if (!caps) {
        // Servers before capabilities (Ollama < 0.6) or a failing show: capabilities unknown, nothing assumed.
        const raw = (await client.show({ model: name }).catch(() => undefined)) as { capabilities?: unknown; thinking?: { values?: unknown } } | undefined;
        if (!raw || !Array.isArray(raw.capabilities)) return;
        const values = raw.thinking?.values;
        caps = { capabilities: raw.capabilities.map(String), thinkLevels: Array.isArray(values) ? values.map(String) : [] };
        shown.set(key, caps);
      }
      out[name] = caps;
    }),
  );
  return out;
}

/**
 * Asks an Ollama server for its version (/api/version), models (/api/tags), loaded models (/api/ps) and what
 * each model can do (/api/show), within a time limit.
 */
export async function probeNode(baseUrl: string, timeoutMs = 3000): Promise<NodeProbe> {
  const started = Date.now();
  const urlProblem = checkHttpUrl(baseUrl);
  if (urlProblem) return { ok: false, models: [], loaded: [], error: urlProblem, latencyMs: 0 };
  const signal = AbortSignal.timeout(timeoutMs);
  const client = new Ollama({ host: baseUrl, fetch: (input, init) => fetch(input, { ...init, signal }) });
  try {
    const [{ version }, { models }, ps] = await Promise.all([client.version(), client.list(), client.ps()]);
    const capabilities = await capabilitiesOf(client, baseUrl, models);
    return { ok: true, version, models: models.map((m) => m.name), loaded: ps.models.map((m) => m.name), capabilities, latencyMs: Date.now() - started };
  } catch (err) {
    const message = signal.aborted
      ? `No answer from ${baseUrl} within ${timeoutMs} ms. Is Ollama running there (OLLAMA_HOST=0.0.0.0 for LAN nodes)?`
      : classifyError(err, baseUrl).message;
    return { ok: false, models: [], loaded: [], error: message, latencyMs: Date.now() - started };
  }
}

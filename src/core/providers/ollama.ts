import { Ollama } from 'ollama';
import type { ChatProvider, ProviderChunk, ProviderRequest } from './types';
import { classifyError } from './errors';

/**
 * ollama-js offers only client-wide abort, so each request gets its own client whose fetch also
 * listens to the request's signal: Stop cancels this request alone, including before the first byte.
 */
function clientFor(host: string, signal: AbortSignal): Ollama {
  const fetchWithSignal: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  return new Ollama({ host, fetch: fetchWithSignal });
}

export class OllamaProvider implements ChatProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly label: string,
  ) {}

  async *stream(request: ProviderRequest): AsyncIterable<ProviderChunk> {
    const { signal } = request;
    const client = clientFor(this.baseUrl, signal);
    try {
      const stream = await client.chat({
        model: request.model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content, ...(m.images?.length ? { images: m.images.map((i) => i.base64) } : {}) })),
        stream: true,
        options: { temperature: request.temperature, num_predict: request.maxTokens, ...(request.contextTokens ? { num_ctx: request.contextTokens } : {}) },
      });
      for await (const part of stream) {
        if (part.message?.content) yield { type: 'text', text: part.message.content };
        if (part.done) {
          yield { type: 'finish', reason: part.done_reason === 'length' ? 'length' : 'stop' };
          yield {
            type: 'usage',
            usage: { promptTokens: part.prompt_eval_count ?? 0, completionTokens: part.eval_count ?? 0, estimated: false },
          };
        }
      }
    } catch (err) {
      throw classifyError(err, `Ollama node "${this.label}" (${this.baseUrl})`, signal);
    }
  }
}

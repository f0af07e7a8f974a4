import OpenAI from 'openai';
import type { ChatProvider, ProviderChunk, ProviderRequest } from './types';
import { ProviderError, classifyError } from './errors';

/** Any OpenAI-compatible chat API (OpenAI, OpenRouter, Groq, DeepSeek, Mistral, vLLM, LM Studio, Anthropic's /v1). */
export class OpenAICompatibleProvider implements ChatProvider {
  private readonly client: OpenAI;

  constructor(
    baseUrl: string,
    apiKey: string,
    private readonly label: string,
  ) {
    // Retries are the caller's policy (failover to another target), so the SDK's own are off.
    this.client = new OpenAI({ baseURL: baseUrl, apiKey, maxRetries: 0, timeout: 120_000 });
  }

  async *stream(request: ProviderRequest): AsyncIterable<ProviderChunk> {
    const { signal } = request;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages,
          stream: true,
          stream_options: { include_usage: true },
          temperature: request.temperature,
          max_tokens: request.maxTokens,
        },
        { signal },
      );
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: 'text', text };
        if (chunk.usage) {
          yield {
            type: 'usage',
            usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, estimated: false },
          };
        }
      }
      // The SDK's stream swallows an abort and simply ends, which would pass for a complete answer.
      if (signal.aborted) throw new ProviderError('aborted', `Request to cloud provider "${this.label}" was cancelled.`);
    } catch (err) {
      throw classifyError(err, `cloud provider "${this.label}"`, signal);
    }
  }
}

import OpenAI from 'openai';
import type { ChatProvider, ProviderChunk, ProviderRequest } from './types';
import type { ChatMessage } from '../types';
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
          messages: request.messages.map(toOpenAIMessage),
          stream: true,
          stream_options: { include_usage: true },
          temperature: request.temperature,
          max_tokens: request.maxTokens,
        },
        { signal },
      );
      for await (const chunk of stream) {
        // OpenAI-compatible servers of reasoning models (DeepSeek, vLLM, Ollama's /v1) stream the reasoning as
        // `reasoning_content`, a field the SDK does not type.
        const reasoning = (chunk.choices[0]?.delta as { reasoning_content?: unknown } | undefined)?.reasoning_content;
        if (typeof reasoning === 'string' && reasoning) yield { type: 'thinking', text: reasoning };
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: 'text', text };
        const finish = chunk.choices[0]?.finish_reason;
        if (finish) yield { type: 'finish', reason: finish === 'length' ? 'length' : 'stop' };
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

/** Images travel as image_url parts with data: URLs, the form every OpenAI-compatible API accepts. */
function toOpenAIMessage(m: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role !== 'user' || !m.images?.length) return { role: m.role, content: m.content };
  return {
    role: 'user',
    content: [
      { type: 'text', text: m.content },
      ...m.images.map((i) => ({ type: 'image_url' as const, image_url: { url: `data:${i.mimeType};base64,${i.base64}` } })),
    ],
  };
}

import OpenAI from 'openai';
import type { ChatProvider, ProviderChunk, ProviderRequest } from './types';
import type { ChatMessage, ToolCall, ToolSet } from '../types';
import { ProviderError, classifyError } from './errors';
import { toolCallOf } from './toolCalls';

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
    const where = `cloud provider "${this.label}"`;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toOpenAIMessage),
          stream: true,
          stream_options: { include_usage: true },
          temperature: request.temperature,
          max_tokens: request.maxTokens,
          ...toolFields(request.tools),
        },
        { signal },
      );
      const calls = new CallPieces();
      for await (const chunk of stream) {
        // OpenAI-compatible servers of reasoning models (DeepSeek, vLLM, Ollama's /v1) stream the reasoning as
        // `reasoning_content`, a field the SDK does not type.
        const reasoning = (chunk.choices[0]?.delta as { reasoning_content?: unknown } | undefined)?.reasoning_content;
        if (typeof reasoning === 'string' && reasoning) yield { type: 'thinking', text: reasoning };
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: 'text', text };
        for (const piece of chunk.choices[0]?.delta?.tool_calls ?? []) calls.add(piece);
        const finish = chunk.choices[0]?.finish_reason;
        if (finish) {
          const made = calls.complete(`${where}, model ${request.model},`);
          for (const call of made) yield { type: 'toolCall', call };
          yield { type: 'finish', reason: finish === 'length' ? 'length' : finish === 'tool_calls' || made.length > 0 ? 'tool_calls' : 'stop' };
        }
        if (chunk.usage) {
          yield {
            type: 'usage',
            usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, estimated: false },
          };
        }
      }
      // The SDK's stream swallows an abort and simply ends, which would pass for a complete answer.
      if (signal.aborted) throw new ProviderError('aborted', `Request to cloud provider "${this.label}" was cancelled.`);
      // Some OpenAI-compatible servers end a stream of calls without a finish_reason.
      const unfinished = calls.complete(`${where}, model ${request.model},`);
      for (const call of unfinished) yield { type: 'toolCall', call };
      if (unfinished.length > 0) yield { type: 'finish', reason: 'tool_calls' };
    } catch (err) {
      throw classifyError(err, `cloud provider "${this.label}"`, signal);
    }
  }
}

type Piece = OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall;

/** Streamed tool calls come in pieces keyed by index: the id and name first, the arguments in fragments after. */
class CallPieces {
  private readonly byIndex = new Map<number, { id: string; name: string; args: string[] }>();

  add(piece: Piece): void {
    const call = this.byIndex.get(piece.index) ?? { id: '', name: '', args: [] };
    if (piece.id) call.id = piece.id;
    if (piece.function?.name) call.name += piece.function.name;
    if (piece.function?.arguments) call.args.push(piece.function.arguments);
    this.byIndex.set(piece.index, call);
  }

  /** The assembled calls in index order; taken once, at the finish. */
  complete(where: string): ToolCall[] {
    const calls = [...this.byIndex].sort(([a], [b]) => a - b).map(([, c]) => toolCallOf(c.id, c.name, c.args.join('') || '{}', where));
    this.byIndex.clear();
    return calls;
  }
}

function toolFields(set: ToolSet | undefined): Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming> {
  if (!set?.tools.length) return {};
  const choice = set.choice;
  return {
    tools: set.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } })),
    ...(choice ? { tool_choice: typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice } : {}),
    ...(set.parallel !== undefined ? { parallel_tool_calls: set.parallel } : {}),
  };
}

/** Images travel as image_url parts with data: URLs, the form every OpenAI-compatible API accepts. */
function toOpenAIMessage(m: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return { role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) };
  }
  if (m.role !== 'user' || !m.images?.length) return { role: m.role, content: m.content };
  return {
    role: 'user',
    content: [
      { type: 'text', text: m.content },
      ...m.images.map((i) => ({ type: 'image_url' as const, image_url: { url: `data:${i.mimeType};base64,${i.base64}` } })),
    ],
  };
}

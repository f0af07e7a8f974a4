// The OpenAI chat-completions wire format, both ways: parsing a client's request into what the pipeline
// takes, and writing responses, stream chunks and errors exactly as OpenAI's API shapes them (the `openai`
// npm client and curl are the reference clients in the tests).

import type { ChatMessage, ImageInput, TokenUsage } from '../types';
import type { FinishReason } from '../providers/types';
import { ConversationError, splitConversation } from './conversation';

export class ProxyError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'service_unavailable',
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Sent as the Retry-After header (whole seconds), as OpenAI does with a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProxyError';
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface ChatCompletionRequest {
  model: string;
  question: string;
  history: ChatMessage[];
  system?: string;
  images: ImageInput[];
  stream: boolean;
  includeUsage: boolean;
  temperature?: number;
  maxTokens?: number;
}

const bad = (message: string, param: string | null = null) => new ProxyError(400, 'invalid_request_error', message, param);

/** Text and images of one message's content: a string, or an array of text and image_url parts. */
function contentOf(content: unknown, at: string): { text: string; images: ImageInput[] } {
  if (typeof content === 'string') return { text: content, images: [] };
  if (content === null || content === undefined) return { text: '', images: [] };
  if (!Array.isArray(content)) throw bad('content must be a string or an array of content parts.', at);
  const texts: string[] = [];
  const images: ImageInput[] = [];
  content.forEach((part: unknown, k) => {
    const p = part as { type?: unknown; text?: unknown; image_url?: { url?: unknown } | string };
    if (p?.type === 'text' && typeof p.text === 'string') texts.push(p.text);
    else if (p?.type === 'image_url') images.push(imageOf(typeof p.image_url === 'string' ? p.image_url : p.image_url?.url, `${at}[${k}].image_url`));
    else throw bad(`Unsupported content part (type ${JSON.stringify(p?.type)}); use "text" or "image_url".`, `${at}[${k}]`);
  });
  return { text: texts.join('\n'), images };
}

/**
 * Only data: URLs. Fetching an http(s) image URL would make this local server request any address a client
 * names, from the user's network; clients that have an image can send its bytes.
 */
function imageOf(url: unknown, at: string): ImageInput {
  if (typeof url !== 'string') throw bad('image_url.url must be a string.', at);
  const m = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$/i.exec(url);
  if (!m) throw bad('Only data: URLs (data:image/png;base64,...) are accepted for images; this server does not fetch remote URLs.', at);
  return { mimeType: m[1]!.toLowerCase(), base64: m[2]!.replace(/\s+/g, '') };
}

export function parseChatRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) throw bad('model is required (GET /v1/models lists them; "singularity/auto" routes).', 'model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw bad('messages must be a non-empty array.', 'messages');
  if (b.n !== undefined && b.n !== null && b.n !== 1) throw bad('Only n = 1 is supported.', 'n');
  if (Array.isArray(b.tools) && b.tools.length > 0) throw bad('Tool calling is not supported by this endpoint.', 'tools');

  const systems: string[] = [];
  const turns: ChatMessage[] = [];
  b.messages.forEach((raw: unknown, i) => {
    const m = raw as { role?: unknown; content?: unknown };
    const at = `messages[${i}]`;
    const { text, images } = contentOf(m?.content, `${at}.content`);
    if (m?.role === 'system' || m?.role === 'developer') systems.push(text);
    else if (m?.role === 'user') turns.push({ role: 'user', content: text, ...(images.length ? { images } : {}) });
    else if (m?.role === 'assistant') turns.push({ role: 'assistant', content: text });
    else throw bad(`Unsupported role ${JSON.stringify(m?.role)}; use system, user or assistant.`, `${at}.role`);
  });
  let conversation: ReturnType<typeof splitConversation>;
  try {
    conversation = splitConversation(turns);
  } catch (err) {
    if (err instanceof ConversationError) throw bad(err.message, 'messages');
    throw err;
  }

  const temperature = b.temperature;
  if (temperature !== undefined && temperature !== null && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
    throw bad('temperature must be a number from 0 to 2.', 'temperature');
  }
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null && (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)) {
    throw bad('max_tokens must be a positive integer.', b.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens');
  }
  const options = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    ...conversation,
    ...(systems.length ? { system: systems.join('\n\n') } : {}),
    stream: b.stream === true,
    includeUsage: options?.include_usage === true,
    ...(typeof temperature === 'number' ? { temperature } : {}),
    ...(typeof maxTokens === 'number' ? { maxTokens } : {}),
  };
}

export interface CompletionIds {
  id: string;
  created: number;
  model: string;
}

const openAIUsage = (u: TokenUsage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens });

/**
 * One `chat.completion.chunk` as a Server-Sent Event. A thinking model's reasoning goes in `reasoning_content`,
 * the field OpenAI-compatible servers of reasoning models use (DeepSeek, vLLM); clients that do not know it skip it.
 */
export function chunkEvent(ids: CompletionIds, delta: { role?: 'assistant'; content?: string; reasoning_content?: string }, finishReason: FinishReason | null = null): string {
  return sse({ id: ids.id, object: 'chat.completion.chunk', created: ids.created, model: ids.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
}

/** The usage chunk OpenAI sends last when stream_options.include_usage is set: no choices. */
export function usageEvent(ids: CompletionIds, usage: TokenUsage): string {
  return sse({ id: ids.id, object: 'chat.completion.chunk', created: ids.created, model: ids.model, choices: [], usage: openAIUsage(usage) });
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function errorEvent(error: ProxyError): string {
  return sse(error.body());
}

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function completionBody(ids: CompletionIds, text: string, finishReason: FinishReason, usage: TokenUsage | undefined, thinking?: string) {
  return {
    id: ids.id,
    object: 'chat.completion',
    created: ids.created,
    model: ids.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, ...(thinking ? { reasoning_content: thinking } : {}), refusal: null }, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: openAIUsage(usage) } : {}),
  };
}

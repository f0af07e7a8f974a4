// The OpenAI chat-completions wire format, both ways: parsing a client's request into what the pipeline
// takes, and writing responses, stream chunks and errors exactly as OpenAI's API shapes them (the `openai`
// npm client and curl are the reference clients in the tests).

import type { ChatMessage, ImageInput, TokenUsage, ToolCall, ToolChoice, ToolDefinition, ToolSet } from '../types';
import type { FinishReason } from '../providers/types';
import { ConversationError, splitConversation, unansweredToolResult } from './conversation';

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
  /** An agent's calls and their results after the question, in order. */
  toolTurns: ChatMessage[];
  tools?: ToolSet;
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
  const tools = toolSetOf(b);

  const systems: string[] = [];
  const turns: ChatMessage[] = [];
  /** Where each turn is in the client's messages, for errors that name it. */
  const indexOf: number[] = [];
  b.messages.forEach((raw: unknown, i) => {
    const m = raw as { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };
    const at = `messages[${i}]`;
    const { text, images } = contentOf(m?.content, `${at}.content`);
    if (m?.role === 'system' || m?.role === 'developer') return void systems.push(text);
    if (m?.role === 'user') turns.push({ role: 'user', content: text, ...(images.length ? { images } : {}) });
    else if (m?.role === 'assistant') turns.push({ role: 'assistant', content: text, ...callsOf(m.tool_calls, `${at}.tool_calls`) });
    else if (m?.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || !m.tool_call_id) throw bad('A tool message needs tool_call_id: the id of the call whose result it is.', `${at}.tool_call_id`);
      turns.push({ role: 'tool', content: text, toolCallId: m.tool_call_id });
    } else throw bad(`Unsupported role ${JSON.stringify(m?.role)}; use system, user, assistant or tool.`, `${at}.role`);
    indexOf.push(i);
  });
  const unanswered = unansweredToolResult(turns);
  if (unanswered) throw bad(unanswered.message, `messages[${indexOf[unanswered.index]}]`);
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
    ...(tools ? { tools } : {}),
    ...(systems.length ? { system: systems.join('\n\n') } : {}),
    stream: b.stream === true,
    includeUsage: options?.include_usage === true,
    ...(typeof temperature === 'number' ? { temperature } : {}),
    ...(typeof maxTokens === 'number' ? { maxTokens } : {}),
  };
}

/** OpenAI's function names: what its API accepts, so a client's tools work the same here and there. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** `tools`, `tool_choice` and `parallel_tool_calls`; undefined when the request offers no tools. */
function toolSetOf(b: Record<string, unknown>): ToolSet | undefined {
  const given = b.tools !== undefined && b.tools !== null;
  if (given && !Array.isArray(b.tools)) throw bad('tools must be an array of {"type": "function", "function": {...}}.', 'tools');
  const tools = ((b.tools as unknown[] | undefined) ?? []).map(toolOf);
  const choice = toolChoiceOf(b.tool_choice, tools);
  if (b.parallel_tool_calls !== undefined && b.parallel_tool_calls !== null && typeof b.parallel_tool_calls !== 'boolean') {
    throw bad('parallel_tool_calls must be true or false.', 'parallel_tool_calls');
  }
  if (tools.length === 0) {
    if (choice !== undefined && choice !== 'none' && choice !== 'auto') throw bad('tool_choice needs tools: the request offers no functions to call.', 'tool_choice');
    return undefined;
  }
  return { tools, ...(choice !== undefined ? { choice } : {}), ...(typeof b.parallel_tool_calls === 'boolean' ? { parallel: b.parallel_tool_calls } : {}) };
}

function toolOf(raw: unknown, i: number): ToolDefinition {
  const at = `tools[${i}]`;
  const t = raw as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } } | null;
  if (t?.type !== 'function') throw bad(`Only function tools are supported: ${at}.type must be "function".`, `${at}.type`);
  const f = t.function;
  if (typeof f?.name !== 'string' || !FUNCTION_NAME.test(f.name)) throw bad(`${at}.function.name must be 1 to 64 letters, digits, underscores or dashes.`, `${at}.function.name`);
  if (f.description !== undefined && typeof f.description !== 'string') throw bad(`${at}.function.description must be a string.`, `${at}.function.description`);
  // No parameters is a function without arguments, as OpenAI takes it.
  const parameters = f.parameters ?? { type: 'object', properties: {} };
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters) || (parameters as { type?: unknown }).type !== 'object') {
    throw bad(`${at}.function.parameters must be a JSON Schema for an object ({"type": "object", "properties": {...}}): a function's arguments are a JSON object.`, `${at}.function.parameters`);
  }
  return { name: f.name, ...(f.description ? { description: f.description } : {}), parameters: parameters as Record<string, unknown> };
}

function toolChoiceOf(raw: unknown, tools: readonly ToolDefinition[]): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const named = (raw as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if (typeof raw !== 'object' || (raw as { type?: unknown }).type !== 'function' || typeof named !== 'string') {
    throw bad('tool_choice must be "auto", "none", "required" or {"type": "function", "function": {"name": "..."}}.', 'tool_choice');
  }
  if (!tools.some((t) => t.name === named)) throw bad(`tool_choice names the function ${JSON.stringify(named)}, which is not in tools (${tools.map((t) => t.name).join(', ') || 'none'}).`, 'tool_choice');
  return { name: named };
}

/** An assistant message's tool_calls, their arguments JSON text of an object as the model sent them. */
function callsOf(raw: unknown, at: string): { toolCalls?: ToolCall[] } {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw bad('tool_calls must be an array.', at);
  const calls = raw.map((c: unknown, j): ToolCall => {
    const call = c as { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } } | null;
    if (typeof call?.id !== 'string' || !call.id) throw bad('Each tool call needs its id.', `${at}[${j}].id`);
    if (typeof call.function?.name !== 'string' || !call.function.name) throw bad('Each tool call needs function.name.', `${at}[${j}].function.name`);
    const args = call.function.arguments;
    if (typeof args !== 'string' || !isObjectJson(args)) throw bad('function.arguments must be the JSON text of an object, as the model returned it.', `${at}[${j}].function.arguments`);
    return { id: call.id, name: call.function.name, arguments: args };
  });
  return calls.length ? { toolCalls: calls } : {};
}

function isObjectJson(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
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
export function chunkEvent(ids: CompletionIds, delta: { role?: 'assistant'; content?: string; reasoning_content?: string; tool_calls?: unknown[] }, finishReason: FinishReason | null = null): string {
  return sse({ id: ids.id, object: 'chat.completion.chunk', created: ids.created, model: ids.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
}

/** Characters of a call's arguments per delta: pieces the size a model streams them in, a few tokens each. */
const ARGUMENT_PIECE = 24;

/**
 * One complete call as OpenAI streams it: a delta with its index, id, type, name and empty arguments, then its
 * arguments in pieces under the same index (the SDK's stream helpers assemble them by index).
 */
export function toolCallEvents(ids: CompletionIds, call: ToolCall, index: number): string {
  const head = chunkEvent(ids, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
  let out = head;
  for (let at = 0; at < call.arguments.length; at += ARGUMENT_PIECE) {
    out += chunkEvent(ids, { tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + ARGUMENT_PIECE) } }] });
  }
  return out;
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

/** A whole answer; with tool calls and no text, `content` is null as OpenAI sends it. */
export function completionBody(ids: CompletionIds, text: string, finishReason: FinishReason, usage: TokenUsage | undefined, thinking?: string, toolCalls: readonly ToolCall[] = []) {
  const calls = toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  const message = { role: 'assistant', content: calls.length && !text ? null : text, ...(thinking ? { reasoning_content: thinking } : {}), ...(calls.length ? { tool_calls: calls } : {}), refusal: null };
  return {
    id: ids.id,
    object: 'chat.completion',
    created: ids.created,
    model: ids.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: openAIUsage(usage) } : {}),
  };
}

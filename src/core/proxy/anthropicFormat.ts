// The Anthropic Messages wire format, both ways: parsing a client's POST /v1/messages into what the pipeline
// takes, and writing messages, stream events and errors exactly as Anthropic's API shapes them (the
// `@anthropic-ai/sdk` client and Claude Code are the reference clients).

import type { AskResult } from '../request';
import type { ChatMessage, ImageInput, ToolCall, ToolChoice, ToolDefinition, ToolSet } from '../types';
import { estimateTokens } from '../providers/tokens';
import { ConversationError, splitConversation } from './conversation';
import { ProxyError } from './openaiFormat';
import { finishOf, type EndpointRequest } from './exchange';
import type { CatalogEntry } from './models';

export interface MessagesRequest extends EndpointRequest {
  maxTokens: number;
  /** The prompt's tokens by estimate, for `message_start` before the provider reports usage. */
  inputTokens: number;
}

/** What count_tokens counts: the conversation before it is split into history and question. */
export interface MessagesPrompt {
  model: string;
  system?: string;
  turns: ChatMessage[];
  tools?: ToolSet;
}

const bad = (message: string, param: string | null = null) => new ProxyError(400, 'invalid_request_error', param ? `${param}: ${message}` : message, param);

type Block = Record<string, unknown> & { type?: unknown };

function blocksOf(content: unknown, at: string): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw bad('content must be a string or an array of content blocks.', at);
  return content.map((b: unknown, k) => {
    if (typeof b !== 'object' || b === null) throw bad('a content block must be an object.', `${at}[${k}]`);
    return b as Block;
  });
}

function textOf(block: Block, at: string): string {
  if (typeof block.text !== 'string') throw bad('a text block needs "text" as a string.', at);
  return block.text;
}

/**
 * Only base64 sources. Fetching a URL source would make this local server request any address a client
 * names, from the user's network; clients that have an image can send its bytes.
 */
function imageOf(block: Block, at: string): ImageInput {
  const source = block.source as { type?: unknown; media_type?: unknown; data?: unknown } | undefined;
  if (source?.type !== 'base64') throw bad('Only base64 image sources ({"type": "base64", "media_type", "data"}) are accepted; this server does not fetch URLs.', `${at}.source`);
  if (typeof source.media_type !== 'string' || !/^image\/[a-z0-9.+-]+$/i.test(source.media_type)) throw bad('media_type must be an image type such as image/png.', `${at}.source.media_type`);
  if (typeof source.data !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(source.data)) throw bad('data must be the image bytes in base64.', `${at}.source.data`);
  return { mimeType: source.media_type.toLowerCase(), base64: source.data.replace(/\s+/g, '') };
}

/**
 * A tool_result's content: a string or text and image blocks. An error result says so to the model, which has
 * no flag for it. Its images go to `images`, for the user turn after the results: no provider takes images in
 * a tool turn (OpenAI's tool messages are text), and a user message is where OpenAI clients put them too.
 */
function toolResultOf(block: Block, at: string, calls: ReadonlySet<string>, images: ImageInput[]): ChatMessage {
  const id = block.tool_use_id;
  if (typeof id !== 'string' || !id) throw bad('a tool_result needs "tool_use_id".', at);
  if (calls.size === 0) throw bad(`a tool_result (tool_use_id "${id}") must follow an assistant message with tool_use blocks; the previous message has none.`, at);
  if (!calls.has(id)) throw bad(`tool_use_id "${id}" matches no tool_use block of the previous assistant message (its ids: ${[...calls].join(', ')}).`, at);
  const texts: string[] = [];
  if (block.content !== undefined) {
    blocksOf(block.content, `${at}.content`).forEach((b, k) => {
      const where = `${at}.content[${k}]`;
      if (b.type === 'text') texts.push(textOf(b, where));
      else if (b.type === 'image') images.push(imageOf(b, where));
      else throw bad(`Unsupported block in a tool_result (type ${JSON.stringify(b.type)}); use "text" or "image".`, where);
    });
  }
  const text = texts.join('\n');
  return { role: 'tool', toolCallId: id, content: block.is_error === true ? `Error: ${text}` : text };
}

/** A user message: its tool results first (Anthropic requires them first), then its text and images (the results' too) as one user turn. */
function userTurns(content: unknown, at: string, calls: ReadonlySet<string>): ChatMessage[] {
  const results: ChatMessage[] = [];
  const texts: string[] = [];
  const images: ImageInput[] = [];
  blocksOf(content, at).forEach((b, k) => {
    const where = `${at}[${k}]`;
    if (b.type === 'text') texts.push(textOf(b, where));
    else if (b.type === 'image') images.push(imageOf(b, where));
    else if (b.type === 'tool_result') results.push(toolResultOf(b, where, calls, images));
    else throw bad(`Unsupported block in a user message (type ${JSON.stringify(b.type)}); use "text", "image" or "tool_result".`, where);
  });
  const rest = texts.length || images.length || !results.length ? [{ role: 'user' as const, content: texts.join('\n'), ...(images.length ? { images } : {}) }] : [];
  return [...results, ...rest];
}

/** An assistant message: its text and its tool calls. Thinking blocks are dropped: reasoning is never sent back to a model. */
function assistantTurn(content: unknown, at: string): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  blocksOf(content, at).forEach((b, k) => {
    const where = `${at}[${k}]`;
    if (b.type === 'text') texts.push(textOf(b, where));
    else if (b.type === 'tool_use') {
      if (typeof b.id !== 'string' || !b.id || typeof b.name !== 'string' || !b.name) throw bad('a tool_use block needs "id" and "name".', where);
      if (b.input !== undefined && (typeof b.input !== 'object' || b.input === null || Array.isArray(b.input))) throw bad('a tool_use block\'s "input" must be an object.', `${where}.input`);
      toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
    } else if (b.type !== 'thinking' && b.type !== 'redacted_thinking') {
      throw bad(`Unsupported block in an assistant message (type ${JSON.stringify(b.type)}); use "text" or "tool_use".`, where);
    }
  });
  return { role: 'assistant', content: texts.join('\n'), ...(toolCalls.length ? { toolCalls } : {}) };
}

function systemOf(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) throw bad('system must be a string or an array of text blocks.', 'system');
  return system
    .map((b: unknown, k) => {
      const block = b as Block;
      if (block?.type !== 'text') throw bad('system blocks must be text blocks.', `system[${k}]`);
      return textOf(block, `system[${k}]`);
    })
    .join('\n\n');
}

function toolOf(raw: unknown, k: number): ToolDefinition {
  const at = `tools[${k}]`;
  const t = raw as { type?: unknown; name?: unknown; description?: unknown; input_schema?: unknown } | null;
  if (typeof t !== 'object' || t === null) throw bad('a tool must be an object.', at);
  if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
    throw bad(`${JSON.stringify(t.type)} is one of Anthropic's server tools, which run on Anthropic's side; this endpoint takes client tools (name, description, input_schema).`, `${at}.type`);
  }
  if (typeof t.name !== 'string' || !t.name) throw bad('a tool needs a "name".', `${at}.name`);
  const schema = t.input_schema as { type?: unknown } | undefined;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || schema.type !== 'object') {
    throw bad(`input_schema of "${t.name}" must be a JSON Schema object with "type": "object".`, `${at}.input_schema`);
  }
  return { name: t.name, ...(typeof t.description === 'string' ? { description: t.description } : {}), parameters: schema as Record<string, unknown> };
}

function toolChoiceOf(raw: unknown, tools: readonly ToolDefinition[]): Pick<ToolSet, 'choice' | 'parallel'> {
  if (raw === undefined || raw === null) return {};
  const c = raw as { type?: unknown; name?: unknown; disable_parallel_tool_use?: unknown };
  const parallel = c.disable_parallel_tool_use === true ? { parallel: false } : {};
  const choice: Record<string, ToolChoice | undefined> = { auto: 'auto', any: 'required', none: 'none' };
  if (typeof c.type === 'string' && choice[c.type]) return { choice: choice[c.type], ...parallel };
  if (c.type === 'tool') {
    if (typeof c.name !== 'string' || !tools.some((t) => t.name === c.name)) throw bad(`tool_choice names ${JSON.stringify(c.name)}, which is not one of the tools.`, 'tool_choice.name');
    return { choice: { name: c.name }, ...parallel };
  }
  throw bad('tool_choice.type must be "auto", "any", "tool" or "none".', 'tool_choice.type');
}

/** The conversation of a messages or count_tokens body: system, turns and tools, every block checked. */
export function parsePrompt(body: unknown): MessagesPrompt {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('The request body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) throw bad('model is required (GET /v1/models lists them; "singularity/auto" routes).', 'model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw bad('messages must be a non-empty array.', 'messages');
  const turns: ChatMessage[] = [];
  let calls = new Set<string>();
  b.messages.forEach((raw: unknown, i) => {
    const m = raw as { role?: unknown; content?: unknown } | null;
    const at = `messages[${i}].content`;
    if (m?.role === 'user') {
      turns.push(...userTurns(m.content, at, calls));
      calls = new Set();
    } else if (m?.role === 'assistant') {
      const turn = assistantTurn(m.content, at);
      turns.push(turn);
      calls = new Set((turn.toolCalls ?? []).map((c) => c.id));
    } else throw bad(`Unsupported role ${JSON.stringify(m?.role)}; use "user" or "assistant" (the system prompt goes in "system").`, `messages[${i}].role`);
  });
  if (b.tools !== undefined && !Array.isArray(b.tools)) throw bad('tools must be an array.', 'tools');
  const tools = (b.tools ?? []).map(toolOf);
  const system = systemOf(b.system);
  return {
    model: b.model,
    ...(system !== undefined ? { system } : {}),
    turns,
    ...(tools.length ? { tools: { tools, ...toolChoiceOf(b.tool_choice, tools) } } : {}),
  };
}

export function parseMessagesRequest(body: unknown): MessagesRequest {
  const prompt = parsePrompt(body);
  const b = body as Record<string, unknown>;
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1) throw bad('max_tokens is required: the most tokens the answer may have, a positive integer.', 'max_tokens');
  const temperature = b.temperature;
  if (temperature !== undefined && temperature !== null && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) {
    throw bad('temperature must be a number from 0 to 1.', 'temperature');
  }
  if (Array.isArray(b.stop_sequences) && b.stop_sequences.length > 0) throw bad('stop_sequences is not supported by this endpoint; stop on the client side instead.', 'stop_sequences');
  let conversation: ReturnType<typeof splitConversation>;
  try {
    conversation = splitConversation(prompt.turns);
  } catch (err) {
    if (err instanceof ConversationError) throw bad(err.message, 'messages');
    throw err;
  }
  return {
    model: prompt.model,
    ...conversation,
    ...(prompt.system !== undefined ? { system: prompt.system } : {}),
    stream: b.stream === true,
    maxTokens: b.max_tokens as number,
    inputTokens: promptTokenEstimate(prompt),
    ...(typeof temperature === 'number' ? { temperature } : {}),
    ...(prompt.tools ? { tools: prompt.tools } : {}),
  };
}

/** The prompt's tokens by the pipeline's estimate (text, tool calls and tool definitions; images are not counted). */
export function promptTokenEstimate(prompt: Pick<MessagesPrompt, 'system' | 'turns' | 'tools'>): number {
  const parts = [prompt.system ?? '', ...prompt.turns.flatMap((m) => [m.content, ...(m.toolCalls ?? []).map((c) => `${c.name} ${c.arguments}`)])];
  if (prompt.tools) parts.push(JSON.stringify(prompt.tools.tools));
  return estimateTokens(parts.join('\n'));
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

export function stopReasonOf(answer: Pick<AskResult, 'finishReason' | 'toolCalls'>): StopReason {
  const finish = finishOf(answer);
  return finish === 'tool_calls' ? 'tool_use' : finish === 'length' ? 'max_tokens' : 'end_turn';
}

export interface MessageIds {
  /** msg_… */
  id: string;
  model: string;
}

type Answer = Pick<AskResult, 'text' | 'thinking' | 'toolCalls' | 'finishReason' | 'usage'>;

const usageOf = (usage: AskResult['usage'], inputTokens: number) => ({ input_tokens: usage?.promptTokens ?? inputTokens, output_tokens: usage?.completionTokens ?? 0 });

const toolUseBlock = (call: ToolCall) => ({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown });

/** A whole answer as one `message`: thinking first, then the text (always a block when no tool was called), then tool calls. */
export function messageBody(ids: MessageIds, answer: Answer, inputTokens: number) {
  const calls = answer.toolCalls ?? [];
  return {
    id: ids.id,
    type: 'message',
    role: 'assistant',
    model: ids.model,
    content: [
      ...(answer.thinking ? [{ type: 'thinking', thinking: answer.thinking, signature: '' }] : []),
      ...(answer.text || !calls.length ? [{ type: 'text', text: answer.text }] : []),
      ...calls.map(toolUseBlock),
    ],
    stop_reason: stopReasonOf(answer),
    stop_sequence: null,
    usage: usageOf(answer.usage, inputTokens),
  };
}

/** GET /v1/models as Anthropic lists models: one page holding the whole catalog. */
export function modelList(catalog: readonly Pick<CatalogEntry, 'id'>[], createdAt: string) {
  return {
    data: catalog.map((e) => ({ type: 'model', id: e.id, display_name: e.id, created_at: createdAt })),
    has_more: false,
    first_id: catalog[0]?.id ?? null,
    last_id: catalog.at(-1)?.id ?? null,
  };
}

/** Anthropic's error type for each of the endpoint's errors: the status stays, the names are Anthropic's. */
export function errorBody(error: ProxyError) {
  const type =
    error.status === 413
      ? 'request_too_large'
      : error.type === 'server_error' || error.type === 'service_unavailable'
        ? 'api_error'
        : error.type;
  return { type: 'error', error: { type, message: error.message } };
}

function sse(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** A tool call's arguments in pieces, as Anthropic streams `input_json_delta`s: clients must join them. */
export function jsonPieces(json: string, size = 32): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}

/**
 * The events of one streamed message, as text to write: `message_start`, then content blocks (a block is
 * opened by the first piece of its kind and closed when another kind starts), then `message_delta` and
 * `message_stop`. Pure: the route writes what it returns.
 */
export class MessageEvents {
  private index = -1;
  private open: 'text' | 'thinking' | undefined;

  constructor(
    private readonly ids: MessageIds,
    private readonly inputTokens: number,
  ) {}

  start(): string {
    const message = { id: this.ids.id, type: 'message', role: 'assistant', model: this.ids.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: this.inputTokens, output_tokens: 0 } };
    return sse('message_start', { message }) + sse('ping', {});
  }

  text(text: string): string {
    return this.into('text', { type: 'text', text: '' }) + sse('content_block_delta', { index: this.index, delta: { type: 'text_delta', text } });
  }

  thinking(text: string): string {
    return this.into('thinking', { type: 'thinking', thinking: '', signature: '' }) + sse('content_block_delta', { index: this.index, delta: { type: 'thinking_delta', thinking: text } });
  }

  toolCall(call: ToolCall): string {
    let out = this.close() + sse('content_block_start', { index: ++this.index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    for (const piece of jsonPieces(call.arguments)) out += sse('content_block_delta', { index: this.index, delta: { type: 'input_json_delta', partial_json: piece } });
    return out + sse('content_block_stop', { index: this.index });
  }

  /** Closes the last block (an answer with none gets an empty text block, as Anthropic's does) and the message. */
  end(answer: Pick<AskResult, 'finishReason' | 'toolCalls' | 'usage'>): string {
    const empty = this.index < 0 ? this.into('text', { type: 'text', text: '' }) : '';
    return (
      empty +
      this.close() +
      sse('message_delta', { delta: { stop_reason: stopReasonOf(answer), stop_sequence: null }, usage: usageOf(answer.usage, this.inputTokens) }) +
      sse('message_stop', {})
    );
  }

  error(error: ProxyError): string {
    const { type, ...rest } = errorBody(error);
    return sse(type, rest);
  }

  private into(kind: 'text' | 'thinking', block: Record<string, unknown>): string {
    if (this.open === kind) return '';
    const closed = this.close();
    this.open = kind;
    return closed + sse('content_block_start', { index: ++this.index, content_block: block });
  }

  private close(): string {
    if (!this.open) return '';
    this.open = undefined;
    return sse('content_block_stop', { index: this.index });
  }
}

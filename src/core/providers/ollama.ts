import { Ollama, type ChatRequest, type Message, type Tool } from 'ollama';
import type { ChatProvider, ProviderChunk, ProviderRequest, TokenLogprob } from './types';
import type { ChatMessage, ToolSet } from '../types';
import { classifyError } from './errors';
import { ThinkTagSplitter } from './thinkTags';
import { newToolCallId, toolCallOf, toolNamesById } from './toolCalls';

/**
 * ollama-js offers only client-wide abort, so each request gets its own client whose fetch also
 * listens to the request's signal: Stop cancels this request alone, including before the first byte.
 */
function clientFor(host: string, signal: AbortSignal): Ollama {
  const fetchWithSignal: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  return new Ollama({ host, fetch: fetchWithSignal });
}

/**
 * The largest num_ctx asked of each node's model in this process. Ollama reloads a model (seconds) whenever a
 * request asks for another context size than it was loaded with, so once a large prompt raised it, smaller
 * prompts keep asking for the same size instead of dropping back to the default. One entry per node and model.
 */
const askedWindows = new Map<string, number>();

function stickyWindow(baseUrl: string, model: string, needed: number | undefined): number | undefined {
  const key = `${baseUrl}\0${model}`;
  const size = Math.max(needed ?? 0, askedWindows.get(key) ?? 0);
  if (size === 0) return undefined;
  askedWindows.set(key, size);
  return size;
}

export class OllamaProvider implements ChatProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly label: string,
  ) {}

  async *stream(request: ProviderRequest): AsyncIterable<ProviderChunk> {
    const { signal } = request;
    const client = clientFor(this.baseUrl, signal);
    const numCtx = stickyWindow(this.baseUrl, request.model, request.contextTokens);
    const where = `Ollama node "${this.label}" (${this.baseUrl})`;
    const tools = ollamaTools(request.tools);
    try {
      const stream = await client.chat({
        model: request.model,
        messages: toOllamaMessages(request.messages),
        ...(tools ? { tools } : {}),
        stream: true,
        options: { temperature: request.temperature, num_predict: request.maxTokens, ...(numCtx ? { num_ctx: numCtx } : {}) },
        // Fields ollama-js 0.6 does not type yet; it sends the request as it is, and older servers ignore them.
        ...(request.topLogprobs !== undefined ? { logprobs: true, top_logprobs: request.topLogprobs } : {}),
        ...(request.think !== undefined ? { think: request.think } : {}),
      } as ChatRequest & { stream: true });
      const tags = new ThinkTagSplitter();
      let called = false;
      for await (const part of stream) {
        const message = part.message as { content?: string; thinking?: unknown; tool_calls?: unknown } | undefined;
        if (typeof message?.thinking === 'string' && message.thinking) yield { type: 'thinking', text: message.thinking };
        const { thinking, text } = part.done ? joined(tags.push(message?.content ?? ''), tags.flush()) : tags.push(message?.content ?? '');
        if (thinking) yield { type: 'thinking', text: thinking };
        if (text) yield { type: 'text', text };
        // The answer's confidence is that of the answer's tokens, not of the reasoning before it.
        const tokens = request.topLogprobs !== undefined && text ? tokenLogprobs((part as { logprobs?: unknown }).logprobs) : [];
        if (tokens.length > 0) yield { type: 'logprobs', tokens };
        for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls : []) {
          const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
          yield { type: 'toolCall', call: toolCallOf(typeof c.id === 'string' && c.id ? c.id : newToolCallId(), c.function?.name, c.function?.arguments, `${where}, model ${request.model},`) };
          called = true;
        }
        if (part.done) {
          // Ollama ends a turn of tool calls with done_reason "stop"; clients expect OpenAI's "tool_calls".
          yield { type: 'finish', reason: called ? 'tool_calls' : part.done_reason === 'length' ? 'length' : 'stop' };
          yield {
            type: 'usage',
            usage: { promptTokens: part.prompt_eval_count ?? 0, completionTokens: part.eval_count ?? 0, estimated: false },
          };
        }
      }
    } catch (err) {
      throw classifyError(err, where, signal);
    }
  }
}

/**
 * Ollama has no tool_choice: "none" sends no tools and a named function sends only that one. "required" cannot
 * be enforced; the model decides (docs/tools.md).
 */
function ollamaTools(set: ToolSet | undefined): Tool[] | undefined {
  if (!set?.tools.length || set.choice === 'none') return undefined;
  const choice = set.choice;
  const offered = typeof choice === 'object' ? set.tools.filter((t) => t.name === choice.name) : set.tools;
  return offered.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters as Tool['function']['parameters'] } }));
}

/** Ollama's message format: call arguments as objects, and a tool result named by its function. */
function toOllamaMessages(messages: readonly ChatMessage[]): Message[] {
  const names = toolNamesById(messages);
  return messages.map((m) => {
    const images = m.images?.length ? { images: m.images.map((i) => i.base64) } : {};
    if (m.role === 'tool') {
      const name = m.toolCallId ? names.get(m.toolCallId) : undefined;
      return { role: 'tool', content: m.content, ...(name ? { tool_name: name } : {}) };
    }
    const calls = m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: JSON.parse(c.arguments) as Record<string, unknown> } })) } : {};
    return { role: m.role, content: m.content, ...images, ...calls };
  });
}

function joined(a: { thinking: string; text: string }, b: { thinking: string; text: string }) {
  return { thinking: a.thinking + b.thinking, text: a.text + b.text };
}

/** A chunk's `logprobs` (`[{token, logprob, bytes, top_logprobs}]`), keeping only entries with a finite log-probability. */
function tokenLogprobs(raw: unknown): TokenLogprob[] {
  if (!Array.isArray(raw)) return [];
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v <= 0;
  return raw.flatMap((e: { logprob?: unknown; top_logprobs?: unknown }) => {
    if (!e || !finite(e.logprob)) return [];
    const top = Array.isArray(e.top_logprobs) ? e.top_logprobs.map((t: { logprob?: unknown }) => t?.logprob).filter(finite) : [];
    return [{ logprob: e.logprob, ...(top.length ? { top } : {}) }];
  });
}

export const EMBED_TIMEOUT_MS = 10_000;
const EMBED_BATCH = 64;

/** Embeddings from an Ollama server's /api/embed. One client per call, so a timeout aborts just that call. */
export class OllamaEmbedder {
  constructor(
    private readonly baseUrl: string,
    readonly model: string,
    private readonly timeoutMs = EMBED_TIMEOUT_MS,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const client = new Ollama({ host: this.baseUrl, fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }) });
    try {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) {
        const expected = Math.min(EMBED_BATCH, texts.length - i);
        const { embeddings } = await client.embed({ model: this.model, input: texts.slice(i, i + EMBED_BATCH), truncate: true });
        if (embeddings.length !== expected) throw new Error(`${this.model} returned ${embeddings.length} embeddings for ${expected} texts`);
        out.push(...embeddings);
      }
      return out;
    } catch (err) {
      if (controller.signal.aborted) throw new Error(`no embeddings from ${this.baseUrl} within ${this.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

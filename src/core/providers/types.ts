import type { ChatMessage, TokenUsage, ToolCall, ToolSet } from '../types';

export interface ProviderRequest {
  model: string;
  messages: ChatMessage[];
  signal: AbortSignal;
  temperature?: number;
  maxTokens?: number;
  /** The context window the prompt and answer need; providers that size it per request (Ollama's num_ctx) ask for it. */
  contextTokens?: number;
  /** Ask for each output token's log-probability and this many alternatives (Ollama 0.12.11+). */
  topLogprobs?: number;
  /** Ollama's `think` for a thinking model: on, off or a level; unset: the model's default. */
  think?: boolean | string;
  /** Functions the model may call; providers pass them in their own wire format. */
  tools?: ToolSet;
}

/** An output token's log-probability, and those of the likeliest alternatives (the token's own first) when asked. */
export interface TokenLogprob {
  logprob: number;
  top?: number[];
}

/** Why generation stopped: the model finished, hit the token limit, or called tools. */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export type ProviderChunk =
  | { type: 'text'; text: string }
  /** A thinking model's reasoning, streamed before its answer; never part of the answer. */
  | { type: 'thinking'; text: string }
  | { type: 'usage'; usage: TokenUsage }
  /** Log-probabilities of the tokens just streamed; only well-formed, finite values. */
  | { type: 'logprobs'; tokens: TokenLogprob[] }
  /** A complete call the model made (Ollama sends each whole; OpenAI streams pieces the provider assembles). */
  | { type: 'toolCall'; call: ToolCall }
  | { type: 'finish'; reason: FinishReason };

/** One interface for every backend: Ollama nodes and OpenAI-compatible clouds. */
export interface ChatProvider {
  /** Streams the answer; ends after an optional usage chunk. Throws ProviderError on failure. */
  stream(request: ProviderRequest): AsyncIterable<ProviderChunk>;
}

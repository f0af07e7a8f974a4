// The shapes of one request as every caller and stage sees them: what comes in (AskInput), what streams
// out (AskEvent) and how it ends (AskResult). The pipeline (pipeline.ts) is the only code that runs one.

import type { AnswerMeta, ChatMessage, CloudProviderConfig, ContextItem, ImageInput, RouteRequest, TokenUsage, ToolCall, ToolSet } from './types';
import type { FinishReason } from './providers/types';
import type { ProviderErrorCode } from './providers/errors';
import type { VisionMode } from '../shared/vision';
import type { GateVerdict } from './quality/gate';

export type RequestSource = 'panel' | 'command' | 'cli' | 'proxy';

export interface AskInput {
  id: string;
  question: string;
  /** Earlier turns of the conversation, oldest first. */
  history: ChatMessage[];
  /**
   * An agent's turns after the question, in order: assistant turns with tool calls and the `tool` results the
   * client sends back (proxy/conversation.ts). The question stays the user's last message.
   */
  toolTurns?: ChatMessage[];
  context: ContextItem[];
  route: RouteRequest;
  model?: string;
  source: RequestSource;
  category?: string;
  conversationId?: string;
  /** The editor workspace asking, whose few-shot examples it gets; none (CLI, endpoint): its source's (learning/examples.ts). */
  workspace?: string;
  /** Replaces Singularity's system prompt (an API client brings its own). */
  system?: string;
  /** Images attached to the question. */
  images?: ImageInput[];
  /** A model the client named: it answers, no router decides and nothing else is tried. */
  pinned?: PinnedTarget;
  /** What to do with the images (explain an error, describe, extract text); default: from the question. */
  visionMode?: VisionMode;
  temperature?: number;
  maxTokens?: number;
  /** Functions the model may call (an agent through the endpoint); its calls end the answer with finishReason 'tool_calls'. */
  tools?: ToolSet;
  /** Few-shot turns (earlier accepted answers) placed before the history, for node attempts only. */
  examples?: ChatMessage[];
  /** Checked as a node's answer grows: true stops it there (a looping answer that the gate will escalate). */
  stopEarly?: (text: string) => boolean;
  signal: AbortSignal;
}

export type PinnedTarget = ({ kind: 'nodeModel'; model: string } | { kind: 'cloud'; provider: CloudProviderConfig; model: string }) & {
  /** Recorded as the strategy and reason (e.g. the vision path's 'vision-local'); default 'named'. */
  strategy?: string;
  reason?: string;
};

/**
 * Why a request failed, for callers that act on it (the endpoint's HTTP status): the provider's code, or
 * 'noRoute' (nothing can answer: no node with the model, no cloud) and 'localOnly' (only the cloud could).
 */
export type RequestErrorCode = ProviderErrorCode | 'noRoute' | 'localOnly' | 'badInput';

export interface AskResult {
  outcome: 'ok' | 'cancelled' | 'error';
  /** The answer: never the model's reasoning. */
  text: string;
  /** A thinking model's reasoning before the answer: shown apart, never sent back, scored or used as an example. */
  thinking?: string;
  /** Why generation stopped, when the provider said. */
  finishReason?: FinishReason;
  /** The calls the model made instead of (or after) its text, in order. */
  toolCalls?: ToolCall[];
  /** Set when the pipeline stopped a node's answer itself because stopEarly said so. */
  stoppedEarly?: boolean;
  meta?: AnswerMeta;
  error?: string;
  errorCode?: RequestErrorCode;
  /** A rate-limited upstream's Retry-After, passed on to the endpoint's client. */
  retryAfterMs?: number;
  usage?: TokenUsage;
}

export type AskEvent =
  | { type: 'routed'; meta: AnswerMeta }
  | { type: 'token'; text: string }
  /** A piece of a thinking model's reasoning; it comes before the answer's tokens. */
  | { type: 'thinking'; text: string }
  /** A complete tool call (the endpoint splits its arguments into deltas for streaming clients); `index` counts from 0. */
  | { type: 'toolCall'; call: ToolCall; index: number }
  /** The node's answer (`draft`) failed the quality gate; the cloud answers next as request `to`. */
  | { type: 'escalated'; from: string; to: string; verdict: GateVerdict; draft: AskResult }
  | { type: 'end'; result: AskResult };

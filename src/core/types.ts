// Plain data shared across core. Settings arrive here as these shapes (read by src/vscode/config.ts
// or the CLI's --config file); nothing in core knows where they came from.

export type Tier = 'local' | 'lan';
export type Route = Tier | 'cloud';
export type RouteRequest = Route | 'auto';
export type TaskKind = 'chat' | 'code' | 'vision';

export interface NodeConfig {
  name: string;
  baseUrl: string;
  tier: Tier;
  /** Models this node is expected to serve; empty means "whatever /api/tags reports". */
  models: string[];
  /** Requests the node runs at once (like OLLAMA_NUM_PARALLEL). */
  maxParallel: number;
}

export type CloudKind = 'openai' | 'anthropic';

export interface CloudProviderConfig {
  name: string;
  /** 'openai' covers every OpenAI-compatible API (OpenAI, OpenRouter, Groq, DeepSeek, Mistral, vLLM, LM Studio). */
  kind: CloudKind;
  baseUrl: string;
  model: string;
}

export interface DefaultModels {
  chat: string;
  code: string;
  vision: string;
}

export type BalancerStrategyName = 'round-robin' | 'least-outstanding' | 'performance-weighted';

export interface BalancerConfig {
  strategy: BalancerStrategyName;
  /** Consecutive failures after which a node is cooled down. */
  failureThreshold: number;
  cooldownMs: number;
}

export interface PrivacyConfig {
  /** Nothing goes to the cloud (a per-workspace setting); enforced in the pipeline. */
  localOnly: boolean;
  /** Glob patterns of files never sent to the cloud (.env, *.pem, ...). */
  neverSend: string[];
}

export interface SingularityConfig {
  nodes: NodeConfig[];
  cloudProviders: CloudProviderConfig[];
  defaultModels: DefaultModels;
  balancer: BalancerConfig;
  privacy: PrivacyConfig;
}

export interface ImageInput {
  mimeType: string;
  /** The image bytes, base64 (no data: prefix). */
  base64: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Images attached to a user message. */
  images?: ImageInput[];
}

/** A piece of editor context attached to a question (selection, file, @file mention). */
export interface ContextItem {
  kind: 'selection' | 'file';
  path: string;
  language?: string;
  text: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when the provider gave no usage and the counts were estimated from text length. */
  estimated: boolean;
}

/** How an answer was produced, shown under it in the panel. */
export interface AnswerMeta {
  route: Route;
  node?: string;
  model: string;
  /** Milliseconds from send to the first token. */
  ttftMs?: number;
  tokensPerSecond?: number;
  promptTokens?: number;
  completionTokens?: number;
  reason?: string;
  /** Secrets redacted from what was sent to the cloud. */
  redacted?: number;
  /** Attached files withheld from the cloud (never-send patterns). */
  withheld?: string[];
}

export interface HistoryEntry {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  meta?: AnswerMeta;
  error?: string;
  /** Set when the answer was stopped by the user before it finished. */
  cancelled?: boolean;
  /** The request an answer came from: feedback and reroutes refer to it. */
  requestId?: string;
  /** Thumbs given to this answer. */
  feedback?: 1 | -1;
}

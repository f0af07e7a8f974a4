// Plain data shared across core. Settings arrive here as these shapes (read by src/vscode/config.ts
// or the CLI's --config file); nothing in core knows where they came from.

export type Tier = 'local' | 'lan';

/**
 * The user's choice for thinking models (singularity.think): the model's default, always, never, or a level
 * (gpt-oss takes low / medium / high).
 */
export type ThinkSetting = 'auto' | 'on' | 'off' | (string & {});
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
  /** singularity.think; unset: 'auto' (each thinking model's default). */
  think?: ThinkSetting;
}

export interface ImageInput {
  mimeType: string;
  /** The image bytes, base64 (no data: prefix). */
  base64: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Images attached to a user message. */
  images?: ImageInput[];
  /** The functions an assistant turn called (an agent's tool loop). */
  toolCalls?: ToolCall[];
  /** A `tool` turn: the id of the call whose result `content` is. */
  toolCallId?: string;
}

/** A function a client lets the model call: OpenAI's `tools[].function`, Anthropic's `tools[]`, Ollama's `tools`. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** A JSON Schema with `type: "object"`. */
  parameters: Record<string, unknown>;
}

/** One call the model made. `arguments` is JSON text, as OpenAI clients expect (Ollama sends an object). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Whether the model may, must, or must not call a tool, or must call the one named. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** The tools a request offers, as every caller and provider sees them. */
export interface ToolSet {
  tools: ToolDefinition[];
  choice?: ToolChoice;
  /** OpenAI's parallel_tool_calls; unset: the provider's default (true). */
  parallel?: boolean;
}

/** A piece of editor context attached to a question (selection, file, @file mention). */
export interface ContextItem {
  kind: 'selection' | 'file';
  path: string;
  language?: string;
  text: string;
  /**
   * Where it came from. Explicit items (selection, @mention, pin; no origin: a caller attached it) are
   * never dropped whole by context compression; open editors and symbol-search results may be.
   */
  origin?: 'active' | 'mention' | 'openEditor' | 'symbol' | 'pin';
  /** Line of the cursor in a file (0-based): its chunk and the definitions it uses rank first. */
  cursorLine?: number;
  /** Line ranges [start, end) the user pinned in the panel: always sent. */
  pinnedLines?: [number, number][];
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when the provider gave no usage and the counts were estimated from text length. */
  estimated: boolean;
}

/** Why context compression kept a chunk. */
export type KeepReason = 'attached' | 'pinned' | 'cursor' | 'identifier' | 'relevant' | 'coverage' | 'structure';

export interface ChunkInfo {
  /** Index of the context item the chunk belongs to. */
  item: number;
  path: string;
  /** Lines [startLine, endLine), 0-based. */
  startLine: number;
  endLine: number;
  tokens: number;
  /** Combined relevance, 0..~1.5 (lexical and embeddings 0..1, plus structure). */
  score: number;
  kept: boolean;
  why?: KeepReason;
  /** Symbols the chunk defines. */
  names?: string[];
}

/**
 * What compression did to one request's context: shown under the answer in the panel, recorded for the
 * dashboard (tokens before/after), printed by `singularity compress`.
 */
export interface ContextReport {
  /** False when the whole context fit the budget and was sent as it is. */
  compressed: boolean;
  budgetTokens: number;
  tokensBefore: number;
  tokensAfter: number;
  relevance: 'lexical' | 'lexical+embeddings';
  /** Share (by weight) of the question's terms found in the context that the kept chunks still contain. */
  coverage: number;
  ms: number;
  /** Context items chunked during this compression: 0 when every file was parsed ahead or for an earlier question. */
  itemsParsed: number;
  /** Every chunk in file order; empty when not compressed. */
  chunks: ChunkInfo[];
  /** Why more than the budget was sent, embeddings unavailable, and the like. */
  notes: string[];
  /** Paths of the items nothing of which was sent (none fit, or none was relevant); absent when every item was. */
  leftOut?: string[];
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
  /** What context compression sent to the cloud: chunks kept and dropped, tokens before and after. */
  context?: ContextReport;
  /** The quality gate's verdict on a node's answer: percentile score (higher is better) and what looked weak. */
  quality?: { score: number; reasons: string[]; escalatedTo?: string };
  /** This cloud answer replaced a node's answer the gate escalated, for this reason. */
  escalatedFrom?: { requestId: string; reason: string };
  /** How sure the node's model was of its own tokens (Ollama log-probabilities), when the node returned them. */
  confidence?: TokenConfidence;
  /** An answer about images: the task mode, what OCR read, and the local answer's check (docs/MULTIMODALITY.md). */
  /** The model that answered stands in for this task's configured default, which no healthy node has. */
  standIn?: { task: TaskKind; configured: string };
  vision?: VisionNote;
}

/** Summary of an answer's token log-probabilities (natural log; 0 is certain). */
export interface TokenConfidence {
  /** Tokens with a log-probability. */
  tokens: number;
  meanLogprob: number;
  /** The 10th percentile: how bad the worst stretch was. */
  p10Logprob: number;
  /** Share of tokens the model gave less than 10% probability. */
  lowShare: number;
  /** Mean gap between the chosen token and the runner-up, when alternatives were returned. */
  margin?: number;
}

export interface VisionNote {
  mode: 'error' | 'describe' | 'extract' | 'question';
  /** Characters of text local OCR read from the images (0: none, or OCR off); absent while OCR still reads, beside the vision model. */
  ocrChars?: number;
  /** The local vision answer's score and what looked wrong, when a vision model answered on a node. */
  localQuality?: { score: number; issues: string[] };
  /** The cloud answered after the local answer scored below the threshold (or failed). */
  fellBack?: boolean;
  /** Image tokens a cloud model would have been billed for the images answered here locally. */
  cloudImageTokensAvoided?: number;
}

export interface HistoryEntry {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  /** A thinking model's reasoning: shown folded, never sent back to a model. */
  thinking?: string;
  meta?: AnswerMeta;
  error?: string;
  /** Set when the answer was stopped by the user before it finished. */
  cancelled?: boolean;
  /** The request an answer came from: feedback and reroutes refer to it. */
  requestId?: string;
  /** Thumbs given to this answer. */
  feedback?: 1 | -1;
  /** Thumbnails of the images sent with a question. */
  images?: ImageInput[];
}

/** One earlier conversation as the history list shows it. */
export interface ConversationSummary {
  id: string;
  /** The first question, shortened, until the user renames it. */
  title: string;
  createdAt: number;
  /** When its last message was written. */
  updatedAt: number;
  questions: number;
  /** Routes and models that answered, first answer first: "local · llama3.2". */
  answeredBy: string[];
  /** The workspace's open conversation (the one the panel shows). */
  open: boolean;
}

/**
 * Where to send a request. A router picks *where* (which tiers of nodes, or which cloud) and the
 * model; the node pool then picks *which node* within those tiers.
 */
export type Target =
  | {
      kind: 'nodes';
      tiers: Tier[];
      /** acceptable models, best first */
      models: string[];
      /** The node to take while it can serve: the one an agent's tool loop started on (router/toolLoops.ts). */
      node?: string;
    }
  | { kind: 'cloud'; provider: CloudProviderConfig; model: string };

// Messages between the extension host and the chat webview. Both sides import this file; the host
// validates every incoming message with isWebviewMessage before acting on it (the webview is untrusted).

import type { AnswerMeta, ConversationSummary, HistoryEntry } from '../core/types';
import type { LearnedRouterStatus } from './router';
import type { DashboardData, ExportFormat, LiveNode, Period } from './dashboard';
import { isVisionMode, type VisionMode } from './vision';

export type { AnswerMeta, ConversationSummary, HistoryEntry };

/** A chunk of a request's context, as the panel's context list names it (core/context/pins.ts acts on it). */
export interface ChunkRef {
  path: string;
  startLine: number;
  endLine: number;
}

/** An image attached in the composer (pasted, dropped, captured): the file's own bytes, base64. */
export interface ImageAttachment {
  name: string;
  mimeType: string;
  base64: string;
}

export interface StatusInfo {
  healthyNodes: number;
  totalNodes: number;
  cloudConfigured: boolean;
  /** The workspace is local-only: nothing may go to the cloud, so nothing offers to ask it. */
  localOnly?: boolean;
  demo: boolean;
  /** Cloud providers whose key was refused (HTTP 401/403) on their last call, with the refusal. */
  rejectedKeys?: { provider: string; message: string }[];
}

/** What the panel's "Include …" checkbox would send now (the selection, or the active file); `preparedMs` once its files were parsed ahead for compression. */
export interface ActiveContextInfo {
  label: string;
  tokens: number;
  preparedMs?: number;
}

/** Extension -> webview. */
export type HostMessage =
  | { type: 'history'; entries: HistoryEntry[] }
  | { type: 'status'; status: StatusInfo }
  | { type: 'answerStart'; requestId: string; userEntry: HistoryEntry }
  | { type: 'token'; requestId: string; text: string }
  /** A piece of a thinking model's reasoning, shown folded above the answer. */
  | { type: 'thinking'; requestId: string; text: string }
  | { type: 'answerMeta'; requestId: string; meta: AnswerMeta }
  | { type: 'answerEnd'; requestId: string; entry: HistoryEntry }
  | { type: 'fileSuggestions'; query: string; files: string[] }
  | { type: 'feedbackSaved'; requestId: string; value: 1 | -1 }
  /** The node's answer `from` failed the quality gate: it is final (collapsed), and the cloud answers as `to`. */
  | { type: 'answerEscalated'; from: string; to: string; draft: HistoryEntry }
  | { type: 'prefill'; text: string; includeSelection: boolean }
  /** A context chunk's text (after 'chunkAction' expand), or whether it is now pinned (after pin). */
  | { type: 'chunkText'; requestId: string; chunk: ChunkRef; text: string }
  | { type: 'chunkPinned'; requestId: string; chunk: ChunkRef; pinned: boolean }
  /** Images to put in the composer (Capture Screenshot), removable before sending. */
  | { type: 'attachImages'; images: ImageAttachment[] }
  /** The editor context the next question would include; undefined when no editor is open. */
  | { type: 'activeContext'; context?: ActiveContextInfo }
  /** The history list for the search `query` ('' = all), after 'listConversations', a rename or a delete. */
  | { type: 'conversations'; query: string; items: ConversationSummary[] }
  /** Open the history list ("Show Conversation History" from the palette or the view's title bar). */
  | { type: 'showHistory' };

/** Webview -> extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'ask'; text: string; includeContext: boolean; images?: ImageAttachment[]; visionMode?: VisionMode }
  | { type: 'stop'; requestId: string }
  | { type: 'newChat' }
  /** `requestId` when a code block of that answer was copied (an implicit sign the answer was useful). */
  | { type: 'copy'; text: string; requestId?: string }
  | { type: 'insert'; text: string; requestId: string }
  /** A code block to apply to the file editor: it replaces the declaration of the same name, else goes in at the cursor. */
  | { type: 'apply'; text: string; requestId: string }
  | { type: 'fileQuery'; query: string }
  /** A file picked from the @ list: the host parses it ahead of the question. */
  | { type: 'mentionPicked'; path: string }
  | { type: 'feedback'; requestId: string; value: 1 | -1; reason?: string }
  | { type: 'reroute'; requestId: string }
  | { type: 'regenerate'; requestId: string }
  /** Show a chunk of the context sent with a request, or pin it (toggle) so later questions always send it. */
  | { type: 'chunkAction'; requestId: string; action: 'expand' | 'pin'; chunk: ChunkRef }
  /** The history list, searched by title and message text. */
  | { type: 'listConversations'; query: string }
  /** Reopen, rename (the host asks for the name) or delete (the host asks to confirm) a conversation of the history list. */
  | { type: 'conversationAction'; action: ConversationAction; id: string };

export type ConversationAction = 'open' | 'rename' | 'delete';
const CONVERSATION_ACTIONS: readonly string[] = ['open', 'rename', 'delete'] satisfies ConversationAction[];

const isStr = (v: unknown): v is string => typeof v === 'string';
const isLine = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10_000_000;
const isChunkRef = (v: unknown): v is ChunkRef => {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return isStr(c.path) && c.path.length <= 1000 && isLine(c.startLine) && isLine(c.endLine) && c.startLine < c.endLine;
};
const MAX_TEXT = 1_000_000;
export const MAX_IMAGES = 4;
/** Base64 of a 30 MB file; the host applies the (smaller) configured limit with a clear message. */
const MAX_IMAGE_BASE64 = 40_000_000;

function isImageAttachments(v: unknown): v is ImageAttachment[] {
  return (
    Array.isArray(v) &&
    v.length <= MAX_IMAGES &&
    v.every((i) => typeof i === 'object' && i !== null && isStr(i.name) && i.name.length <= 500 && isStr(i.mimeType) && /^image\/[\w.+-]+$/.test(i.mimeType) && isStr(i.base64) && i.base64.length <= MAX_IMAGE_BASE64)
  );
}

/** Validates a message from the webview against the protocol; anything else is dropped by the host. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case 'ready':
    case 'newChat':
      return true;
    case 'ask':
      return (
        isStr(r.text) &&
        r.text.length <= MAX_TEXT &&
        typeof r.includeContext === 'boolean' &&
        (r.images === undefined || isImageAttachments(r.images)) &&
        (r.visionMode === undefined || isVisionMode(r.visionMode))
      );
    case 'stop':
      return isStr(r.requestId);
    case 'copy':
      return isStr(r.text) && r.text.length <= MAX_TEXT && (r.requestId === undefined || isStr(r.requestId));
    case 'insert':
    case 'apply':
      return isStr(r.text) && r.text.length <= MAX_TEXT && isStr(r.requestId);
    case 'fileQuery':
      return isStr(r.query) && r.query.length <= 500;
    case 'mentionPicked':
      return isStr(r.path) && r.path.length <= 1000;
    case 'feedback':
      return isStr(r.requestId) && (r.value === 1 || r.value === -1) && (r.reason === undefined || (isStr(r.reason) && r.reason.length <= 2000));
    case 'reroute':
    case 'regenerate':
      return isStr(r.requestId);
    case 'chunkAction':
      return isStr(r.requestId) && (r.action === 'expand' || r.action === 'pin') && isChunkRef(r.chunk);
    case 'listConversations':
      return isStr(r.query) && r.query.length <= 500;
    case 'conversationAction':
      return isStr(r.action) && CONVERSATION_ACTIONS.includes(r.action) && isStr(r.id) && r.id.length <= 100;
    default:
      return false;
  }
}

// ---- Dashboard (a WebviewPanel tab) ----

/** Extension -> dashboard webview. */
export type DashboardHostMessage =
  | { type: 'data'; data: DashboardData; live: LiveNode[]; demo: boolean; router?: LearnedRouterStatus }
  | { type: 'exported'; format: ExportFormat; path: string; rows: number };

/** Dashboard webview -> extension. */
export type DashboardWebviewMessage = { type: 'ready' } | { type: 'setPeriod'; period: Period } | { type: 'export'; format: ExportFormat };

const DASHBOARD_PERIODS: readonly string[] = ['today', '7d', '30d', 'all'];

/** Validates a message from the dashboard webview; anything else is dropped by the host. */
export function isDashboardMessage(m: unknown): m is DashboardWebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case 'ready':
      return true;
    case 'setPeriod':
      return typeof r.period === 'string' && DASHBOARD_PERIODS.includes(r.period);
    case 'export':
      return r.format === 'csv' || r.format === 'json';
    default:
      return false;
  }
}

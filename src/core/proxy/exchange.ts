// What the endpoint's two wire formats (OpenAI chat completions, Anthropic messages) share: reading a
// body, the model a request names, the pipeline input it becomes, the HTTP status of a failed request,
// and JSON replies. Each format keeps only its own shapes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AskInput, AskResult, PipelineDeps } from '../pipeline';
import type { RequestErrorCode } from '../request';
import type { FinishReason } from '../providers/types';
import { isUsable } from '../providers/factory';
import { AUTO_MODEL, findModel, modelCatalog, type CatalogEntry } from './models';
import { ProxyError, type ChatCompletionRequest } from './openaiFormat';

/** A client's request in either format, as the pipeline takes it. */
export type EndpointRequest = Pick<ChatCompletionRequest, 'model' | 'question' | 'history' | 'toolTurns' | 'tools' | 'system' | 'images' | 'stream' | 'temperature' | 'maxTokens'>;

/** What a route needs of the server's options. */
export interface RouteOptions {
  /** Read per request: the editor rebuilds routing when settings change. */
  deps: () => PipelineDeps;
  maxBodyBytes?: number;
}

/** Large enough for a few screenshots as base64; anything bigger is refused before it is buffered. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new ProxyError(413, 'invalid_request_error', `The request body is over ${Math.round(limit / 1024 / 1024)} MB.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ProxyError(413, 'invalid_request_error', `The request body is over ${Math.round(limit / 1024 / 1024)} MB.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ProxyError(400, 'invalid_request_error', 'The request body is not valid JSON.');
  }
}

export async function catalogOf(deps: PipelineDeps): Promise<CatalogEntry[]> {
  const [credentials] = await Promise.all([deps.cloudCredentials(), deps.nodes.settled()]);
  return modelCatalog(deps.nodes.list(), credentials.filter(isUsable).map((c) => c.config));
}

/** The catalog entry of the model a request names, or the 404 that says which names exist. */
export async function resolveModel(deps: PipelineDeps, id: string): Promise<CatalogEntry> {
  const entry = findModel(await catalogOf(deps), id);
  if (!entry) throw new ProxyError(404, 'not_found_error', `The model "${id}" is not served here. Use "${AUTO_MODEL}" or one listed by GET /v1/models.`, 'model', 'model_not_found');
  return entry;
}

/** A signal that aborts when the client goes away (closed connection, cancelled request): the upstream request stops too. */
export function clientSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** One endpoint request as the pipeline's input: the client's own system prompt, recorded as source 'proxy'. */
export function askInputOf(parsed: EndpointRequest, entry: CatalogEntry, signal: AbortSignal): AskInput {
  return {
    id: randomUUID(),
    question: parsed.question,
    history: parsed.history,
    ...(parsed.toolTurns.length ? { toolTurns: parsed.toolTurns } : {}),
    context: [],
    route: 'auto',
    source: 'proxy',
    category: 'proxy',
    ...(parsed.system !== undefined ? { system: parsed.system } : {}),
    ...(parsed.images.length ? { images: parsed.images } : {}),
    ...(entry.pinned ? { pinned: entry.pinned } : {}),
    ...(parsed.temperature !== undefined ? { temperature: parsed.temperature } : {}),
    ...(parsed.maxTokens !== undefined ? { maxTokens: parsed.maxTokens } : {}),
    ...(parsed.tools ? { tools: parsed.tools } : {}),
    signal,
  };
}

/** Why the answer stopped; a provider that gave no reason but made calls stopped for them. */
export function finishOf(result: Pick<AskResult, 'finishReason' | 'toolCalls'>): FinishReason {
  return result.finishReason ?? (result.toolCalls?.length ? 'tool_calls' : 'stop');
}

/**
 * HTTP status, OpenAI error type and code per request error code. The upstream's own status would mislead
 * the client where the failure is ours to fix (our cloud key rejected is not the client's key: 502).
 */
const STATUS_OF: Record<RequestErrorCode, [number, ProxyError['type'], string | null]> = {
  noRoute: [503, 'service_unavailable', null],
  localOnly: [503, 'service_unavailable', null],
  badInput: [400, 'invalid_request_error', null],
  rateLimited: [429, 'rate_limit_error', 'rate_limit_exceeded'],
  modelNotFound: [404, 'not_found_error', 'model_not_found'],
  unreachable: [503, 'service_unavailable', 'upstream_unreachable'],
  server: [502, 'server_error', 'upstream_error'],
  badResponse: [502, 'server_error', 'upstream_bad_response'],
  // The issue asks for a 400: the client's agent gets a request error it can show, not a server outage.
  badToolCall: [400, 'invalid_request_error', 'invalid_tool_call'],
  auth: [502, 'server_error', 'upstream_auth_failed'],
  aborted: [502, 'server_error', null],
};

/** The pipeline's error says what happened and what to do; its code says which HTTP status. */
export function upstreamError(result: Pick<AskResult, 'error' | 'errorCode' | 'retryAfterMs'>): ProxyError {
  const [status, type, code] = result.errorCode ? STATUS_OF[result.errorCode] : ([502, 'server_error', null] as const);
  const retryAfter = status === 429 && result.retryAfterMs !== undefined ? Math.ceil(result.retryAfterMs / 1000) : undefined;
  return new ProxyError(status, type, result.error ?? 'The request failed.', null, code, retryAfter);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Where the answer ran, for clients and tests that want to know (both formats send these headers). */
export function routeHeaders(result: Pick<AskResult, 'meta'>): Record<string, string> {
  return { 'x-singularity-route': result.meta?.route ?? '', 'x-singularity-model': result.meta?.model ?? '' };
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' } as const;

// The OpenAI-compatible endpoint: an HTTP server in the extension host (or `singularity serve`) that
// answers /v1/models and /v1/chat/completions through the same pipeline as the chat panel. Loopback only
// unless explicitly allowed, a bearer key on every request, no CORS (a web page must not be able to use a
// developer's nodes and cloud key through their browser), client disconnects abort the upstream request.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { ask, type AskEvent, type AskResult, type PipelineDeps } from '../pipeline';
import type { RequestErrorCode } from '../request';
import type { FinishReason } from '../providers/types';
import { isLoopbackUrl, isUsable } from '../providers/factory';
import { findModel, modelCatalog, AUTO_MODEL } from './models';
import { chunkEvent, completionBody, DONE_EVENT, errorEvent, parseChatRequest, ProxyError, toolCallEvents, usageEvent, type ChatCompletionRequest, type CompletionIds } from './openaiFormat';

export interface ProxyOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  key: string;
  /** Binding to anything but loopback needs this, and the caller warns the user. */
  allowRemote: boolean;
  /** Read per request: the editor rebuilds routing when settings change. */
  deps: () => PipelineDeps;
  log: Logger;
  maxBodyBytes?: number;
}

export interface RunningProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Large enough for a few screenshots as base64; anything bigger is refused before it is buffered. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** A key in OpenAI's style, so tools that check the prefix accept it. */
export function generateProxyKey(): string {
  return `sk-singularity-${randomBytes(24).toString('base64url')}`;
}

export function isLoopbackHost(host: string): boolean {
  return isLoopbackUrl(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`);
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  if (!isLoopbackHost(options.host) && !options.allowRemote) {
    throw new Error(`Refusing to listen on ${options.host}: only loopback (127.0.0.1) unless remote access is allowed explicitly. Anyone who can reach the port and has the key can use your nodes and your cloud key.`);
  }
  if (options.key.length < 16) throw new Error('The endpoint key must be at least 16 characters.');
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: Error) => {
      // A client that leaves mid-upload is not a fault of ours: one line, however many of them leave.
      if (clientLeft(req, err)) return options.log.info(`Endpoint: the client left before sending its whole request (${req.method} ${req.url}).`);
      options.log.error(`Endpoint: ${err.stack ?? err.message}`);
      if (!res.headersSent) sendError(res, new ProxyError(500, 'server_error', 'Internal error in the Singularity endpoint; see its log.'));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${options.port} on ${options.host} is already in use; choose another (singularity.proxy.port or --port).`) : err),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
  if (!authorized(req.headers.authorization, options.key)) {
    return sendError(res, new ProxyError(401, 'authentication_error', 'Missing or wrong API key. Send "Authorization: Bearer <key>" with the key shown by "Singularity: Copy Endpoint URL and Key".', null, 'invalid_api_key'));
  }
  if (req.method === 'GET' && path === '/v1/models') return listModels(res, options);
  if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletions(req, res, options);
  sendError(res, new ProxyError(404, 'not_found_error', `No route ${req.method} ${path}. This endpoint serves GET /v1/models and POST /v1/chat/completions.`));
}

/** Node ends the body of a request whose connection closed early with ECONNRESET ("aborted"). */
function clientLeft(req: IncomingMessage, err: NodeJS.ErrnoException): boolean {
  return !req.complete && (err.code === 'ECONNRESET' || req.destroyed);
}

function authorized(header: string | undefined, key: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function catalogOf(deps: PipelineDeps) {
  const [credentials] = await Promise.all([deps.cloudCredentials(), deps.nodes.settled()]);
  return modelCatalog(deps.nodes.list(), credentials.filter(isUsable).map((c) => c.config));
}

async function listModels(res: ServerResponse, options: ProxyOptions): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const data = (await catalogOf(options.deps())).map((e) => ({ id: e.id, object: 'model', created, owned_by: e.ownedBy }));
  sendJson(res, 200, { object: 'list', data });
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
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

async function chatCompletions(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  let parsed: ChatCompletionRequest;
  try {
    parsed = parseChatRequest(await readBody(req, options.maxBodyBytes ?? MAX_BODY_BYTES));
  } catch (err) {
    if (err instanceof ProxyError) return sendError(res, err);
    throw err;
  }
  const deps = options.deps();
  const entry = findModel(await catalogOf(deps), parsed.model);
  if (!entry) {
    return sendError(res, new ProxyError(404, 'not_found_error', `The model "${parsed.model}" is not served here. Use "${AUTO_MODEL}" or one listed by GET /v1/models.`, 'model', 'model_not_found'));
  }
  const controller = new AbortController();
  // The client going away (closed connection, cancelled request) stops the upstream request too.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const ids: CompletionIds = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: entry.id };
  // A streamed draft cannot be taken back from the client, so only a complete (non-streamed) answer is
  // replaced by the cloud's when the quality gate fails it; a streamed one is still scored and recorded.
  const events = ask(
    {
      id: randomUUID(),
      question: parsed.question,
      history: parsed.history,
      ...(parsed.toolTurns.length ? { toolTurns: parsed.toolTurns } : {}),
      ...(parsed.tools ? { tools: parsed.tools } : {}),
      context: [],
      route: 'auto',
      source: 'proxy',
      category: 'proxy',
      ...(parsed.system !== undefined ? { system: parsed.system } : {}),
      ...(parsed.images.length ? { images: parsed.images } : {}),
      ...(entry.pinned ? { pinned: entry.pinned } : {}),
      ...(parsed.temperature !== undefined ? { temperature: parsed.temperature } : {}),
      ...(parsed.maxTokens !== undefined ? { maxTokens: parsed.maxTokens } : {}),
      signal: controller.signal,
    },
    deps,
    { escalate: !parsed.stream },
  );
  if (parsed.stream) return streamAnswer(res, events, ids, parsed.includeUsage);
  for await (const event of events) {
    if (event.type !== 'end') continue;
    const { result } = event;
    if (result.outcome === 'cancelled') return void res.end();
    if (result.outcome === 'error') return sendError(res, upstreamError(result));
    res.setHeader('x-singularity-route', result.meta?.route ?? '');
    res.setHeader('x-singularity-model', result.meta?.model ?? '');
    sendJson(res, 200, completionBody(ids, result.text, finishOf(result), result.usage, result.thinking, result.toolCalls));
  }
}

/**
 * Headers go out with the first token, so a request that fails before answering still gets a proper HTTP
 * error status; one that fails mid-stream ends with an error event, as OpenAI's API does.
 */
async function streamAnswer(res: ServerResponse, events: AsyncGenerator<AskEvent>, ids: CompletionIds, includeUsage: boolean): Promise<void> {
  let started = false;
  let route = '';
  let model = '';
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-singularity-route': route,
      'x-singularity-model': model,
    });
    res.write(chunkEvent(ids, { role: 'assistant', content: '' }));
  };
  for await (const event of events) {
    if (event.type === 'routed') {
      route = event.meta.route;
      model = event.meta.model;
    } else if (event.type === 'token') {
      start();
      res.write(chunkEvent(ids, { content: event.text }));
    } else if (event.type === 'thinking') {
      start();
      res.write(chunkEvent(ids, { reasoning_content: event.text }));
    } else if (event.type === 'toolCall') {
      start();
      res.write(toolCallEvents(ids, event.call, event.index));
    } else if (event.type === 'end') {
      const { result } = event;
      if (result.outcome === 'cancelled') return void res.end();
      if (result.outcome === 'error') {
        if (!started) return sendError(res, upstreamError(result));
        res.write(errorEvent(upstreamError(result)));
        return void res.end();
      }
      start();
      res.write(chunkEvent(ids, {}, finishOf(result)));
      if (includeUsage && result.usage) res.write(usageEvent(ids, result.usage));
      res.end(DONE_EVENT);
    }
  }
}

function finishOf(result: AskResult): FinishReason {
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
function upstreamError(result: Pick<AskResult, 'error' | 'errorCode' | 'retryAfterMs'>): ProxyError {
  const [status, type, code] = result.errorCode ? STATUS_OF[result.errorCode] : ([502, 'server_error', null] as const);
  const retryAfter = status === 429 && result.retryAfterMs !== undefined ? Math.ceil(result.retryAfterMs / 1000) : undefined;
  return new ProxyError(status, type, result.error ?? 'The request failed.', null, code, retryAfter);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: ProxyError): void {
  sendJson(res, error.status, error.body(), error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {});
}

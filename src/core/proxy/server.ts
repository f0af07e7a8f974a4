// The OpenAI- and Anthropic-compatible endpoint: an HTTP server in the extension host (or `singularity serve`)
// that answers /v1/models, /v1/chat/completions and /v1/messages (messagesRoute.ts) through the same pipeline
// as the chat panel. Loopback only unless explicitly allowed, a key on every request, no CORS (a web page must
// not be able to use a developer's nodes and cloud key through their browser), client disconnects abort the
// upstream request.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { ask, type AskEvent } from '../pipeline';
import { isLoopbackUrl } from '../providers/factory';
import type { CatalogEntry } from './models';
import { askInputOf, catalogOf, clientSignal, finishOf, MAX_BODY_BYTES, readBody, resolveModel, routeHeaders, sendJson, SSE_HEADERS, upstreamError, type RouteOptions } from './exchange';
import { countTokens, messages, sendAnthropicError } from './messagesRoute';
import { modelList } from './anthropicFormat';
import { chunkEvent, completionBody, DONE_EVENT, errorEvent, parseChatRequest, ProxyError, toolCallEvents, usageEvent, type ChatCompletionRequest, type CompletionIds } from './openaiFormat';

export interface ProxyOptions extends RouteOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  key: string;
  /** Binding to anything but loopback needs this, and the caller warns the user. */
  allowRemote: boolean;
  log: Logger;
}

export interface RunningProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

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
      if (!res.headersSent) errorWriterFor(req)(res, new ProxyError(500, 'server_error', 'Internal error in the Singularity endpoint; see its log.'));
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

/** Anthropic clients (its paths, or the anthropic-version header its SDKs always send) get Anthropic's shapes. */
const isAnthropic = (req: IncomingMessage) => req.headers['anthropic-version'] !== undefined || /^\/v1\/messages(\/|$)/.test(pathOf(req));
const errorWriterFor = (req: IncomingMessage) => (isAnthropic(req) ? sendAnthropicError : sendError);

async function handle(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  const path = pathOf(req);
  if (!authorized(req, options.key)) {
    return errorWriterFor(req)(res, new ProxyError(401, 'authentication_error', 'Missing or wrong API key. Send "Authorization: Bearer <key>" or "x-api-key: <key>" with the key shown by "Singularity: Copy Endpoint URL and Key".', null, 'invalid_api_key'));
  }
  if (req.method === 'GET' && path === '/v1/models') return listModels(res, options, isAnthropic(req));
  if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletions(req, res, options);
  if (req.method === 'POST' && path === '/v1/messages') return messages(req, res, options);
  if (req.method === 'POST' && path === '/v1/messages/count_tokens') return countTokens(req, res, options);
  errorWriterFor(req)(res, new ProxyError(404, 'not_found_error', `No route ${req.method} ${path}. This endpoint serves GET /v1/models, POST /v1/chat/completions, POST /v1/messages and POST /v1/messages/count_tokens.`));
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');

/** Node ends the body of a request whose connection closed early with ECONNRESET ("aborted"). */
function clientLeft(req: IncomingMessage, err: NodeJS.ErrnoException): boolean {
  return !req.complete && (err.code === 'ECONNRESET' || req.destroyed);
}

/**
 * The key as OpenAI clients send it (a bearer token) or as Anthropic's do (x-api-key); either header may hold
 * it, since Claude Code sends both when the shell also has a real ANTHROPIC_API_KEY.
 */
function authorized(req: IncomingMessage, key: string): boolean {
  const expected = Buffer.from(key);
  const given = [req.headers['x-api-key'], /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]];
  return given.some((g) => {
    const candidate = Buffer.from(typeof g === 'string' ? g.trim() : '');
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}

async function listModels(res: ServerResponse, options: ProxyOptions, anthropic: boolean): Promise<void> {
  const catalog = await catalogOf(options.deps());
  if (anthropic) return sendJson(res, 200, modelList(catalog, new Date().toISOString()));
  const created = Math.floor(Date.now() / 1000);
  sendJson(res, 200, { object: 'list', data: catalog.map((e) => ({ id: e.id, object: 'model', created, owned_by: e.ownedBy })) });
}

async function chatCompletions(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  const deps = options.deps();
  let parsed: ChatCompletionRequest;
  let entry: CatalogEntry;
  try {
    parsed = parseChatRequest(await readBody(req, options.maxBodyBytes ?? MAX_BODY_BYTES));
    entry = await resolveModel(deps, parsed.model);
  } catch (err) {
    if (err instanceof ProxyError) return sendError(res, err);
    throw err;
  }
  const ids: CompletionIds = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: entry.id };
  // A streamed draft cannot be taken back from the client, so only a complete (non-streamed) answer is
  // replaced by the cloud's when the quality gate fails it; a streamed one is still scored and recorded.
  const events = ask(askInputOf(parsed, entry, clientSignal(res)), deps, { escalate: !parsed.stream });
  if (parsed.stream) return streamAnswer(res, events, ids, parsed.includeUsage);
  for await (const event of events) {
    if (event.type !== 'end') continue;
    const { result } = event;
    if (result.outcome === 'cancelled') return void res.end();
    if (result.outcome === 'error') return sendError(res, upstreamError(result));
    sendJson(res, 200, completionBody(ids, result.text, finishOf(result), result.usage, result.thinking, result.toolCalls), routeHeaders(result));
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
      ...SSE_HEADERS,
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

function sendError(res: ServerResponse, error: ProxyError): void {
  sendJson(res, error.status, error.body(), error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {});
}

// POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages API on the endpoint's router, so
// Claude Code and the Anthropic SDKs send their requests through the same pipeline (routing, privacy,
// redaction, recording) as OpenAI clients.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ask, type AskEvent } from '../pipeline';
import { errorBody, MessageEvents, messageBody, parseMessagesRequest, parsePrompt, promptTokenEstimate, type MessageIds } from './anthropicFormat';
import { askInputOf, clientSignal, MAX_BODY_BYTES, readBody, resolveModel, routeHeaders, sendJson, SSE_HEADERS, upstreamError, type RouteOptions } from './exchange';
import { ProxyError } from './openaiFormat';
import type { CatalogEntry } from './models';

export function sendAnthropicError(res: ServerResponse, error: ProxyError): void {
  sendJson(res, error.status, errorBody(error), error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {});
}

/** Runs `parse` on the body, or answers its 400 (or 413) and returns undefined. */
async function parsed<T>(req: IncomingMessage, res: ServerResponse, options: RouteOptions, parse: (body: unknown) => T): Promise<T | undefined> {
  try {
    return parse(await readBody(req, options.maxBodyBytes ?? MAX_BODY_BYTES));
  } catch (err) {
    if (err instanceof ProxyError) return void sendAnthropicError(res, err);
    throw err;
  }
}

export async function countTokens(req: IncomingMessage, res: ServerResponse, options: RouteOptions): Promise<void> {
  const prompt = await parsed(req, res, options, parsePrompt);
  if (prompt) sendJson(res, 200, { input_tokens: promptTokenEstimate(prompt) });
}

export async function messages(req: IncomingMessage, res: ServerResponse, options: RouteOptions): Promise<void> {
  const request = await parsed(req, res, options, parseMessagesRequest);
  if (!request) return;
  const deps = options.deps();
  let entry: CatalogEntry;
  try {
    entry = await resolveModel(deps, request.model);
  } catch (err) {
    if (err instanceof ProxyError) return sendAnthropicError(res, err);
    throw err;
  }
  const ids: MessageIds = { id: `msg_${randomBytes(12).toString('hex')}`, model: entry.id };
  // As on the OpenAI side: only a complete answer can be replaced by the cloud's when the quality gate fails it.
  const events = ask(askInputOf(request, entry, clientSignal(res)), deps, { escalate: !request.stream });
  if (request.stream) return streamMessage(res, events, new MessageEvents(ids, request.inputTokens));
  for await (const event of events) {
    if (event.type !== 'end') continue;
    const { result } = event;
    if (result.outcome === 'cancelled') return void res.end();
    if (result.outcome === 'error') return sendAnthropicError(res, upstreamError(result));
    sendJson(res, 200, messageBody(ids, result, request.inputTokens), routeHeaders(result));
  }
}

/**
 * Headers go out with the first piece of the answer, so a request that fails before answering still gets a
 * proper HTTP error status; one that fails mid-stream ends with an `error` event, as Anthropic's API does.
 */
async function streamMessage(res: ServerResponse, events: AsyncGenerator<AskEvent>, out: MessageEvents): Promise<void> {
  let route: Record<string, string> = {};
  const write = (text: string) => {
    if (!res.headersSent) res.writeHead(200, { ...SSE_HEADERS, ...route }).write(out.start());
    res.write(text);
  };
  for await (const event of events) {
    if (event.type === 'routed') route = routeHeaders(event);
    else if (event.type === 'token') write(out.text(event.text));
    else if (event.type === 'thinking') write(out.thinking(event.text));
    else if (event.type === 'toolCall') write(out.toolCall(event.call));
    else if (event.type === 'end') {
      const { result } = event;
      if (result.outcome === 'cancelled') return void res.end();
      if (result.outcome === 'error') {
        if (!res.headersSent) return sendAnthropicError(res, upstreamError(result));
        return void res.end(out.error(upstreamError(result)));
      }
      write(out.end(result));
      res.end();
    }
  }
}

// What a client's environment needs to use the endpoint, for "Copy Endpoint URL and Key" and `serve`.

import { AUTO_MODEL } from './models';

export type ClientApi = 'openai' | 'anthropic';

/**
 * Anthropic clients append /v1/messages to their base URL themselves, so theirs is the server's origin;
 * OpenAI clients take the /v1 URL the server reports.
 */
export function anthropicBaseUrl(endpointUrl: string): string {
  return new URL(endpointUrl).origin;
}

/**
 * The environment lines for one API. Anthropic's use ANTHROPIC_AUTH_TOKEN (sent as a bearer token, which
 * Claude Code and the SDKs both read) and name the routed model for Claude Code's main and background
 * (Haiku-tier) requests, which otherwise ask for Claude models this endpoint does not serve.
 */
export function clientEnvironment(api: ClientApi, endpointUrl: string, key: string): string {
  if (api === 'openai') return `OPENAI_BASE_URL=${endpointUrl}\nOPENAI_API_KEY=${key}`;
  return [`ANTHROPIC_BASE_URL=${anthropicBaseUrl(endpointUrl)}`, `ANTHROPIC_AUTH_TOKEN=${key}`, `ANTHROPIC_MODEL=${AUTO_MODEL}`, `ANTHROPIC_DEFAULT_HAIKU_MODEL=${AUTO_MODEL}`].join('\n');
}

// A model's tool calls as every caller sees them (types.ts ToolCall): an id, a name and the arguments as JSON
// text of an object. Ollama sends the arguments as an object and no id; OpenAI-compatible APIs send text that a
// weak model may have left broken. A call the client could not run is an error here, not a surprise in the agent.

import { randomBytes } from 'node:crypto';
import type { ChatMessage, ToolCall } from '../types';
import { ProviderError } from './errors';

/** An id in OpenAI's style, for providers that send none (Ollama). */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** The call with its arguments as JSON text of an object; throws 'badToolCall' when they are anything else. */
export function toolCallOf(id: string, name: unknown, args: unknown, where: string): ToolCall {
  if (typeof name !== 'string' || !name) throw new ProviderError('badToolCall', `${where} called a tool without a name.`);
  return { id, name, arguments: jsonArguments(args, name, where) };
}

function jsonArguments(args: unknown, name: string, where: string): string {
  if (isPlainObject(args)) return JSON.stringify(args);
  if (typeof args === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      parsed = undefined;
    }
    if (isPlainObject(parsed)) return args;
  }
  const shown = (typeof args === 'string' ? args : JSON.stringify(args) ?? String(args)).slice(0, 200);
  throw new ProviderError('badToolCall', `${where} called the tool "${name}" with arguments that are not a JSON object: ${shown}. The model may not handle tools well; ask again or name another model.`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The name of each call in the conversation by its id: a tool result names its function in Ollama's format. */
export function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  return new Map(messages.flatMap((m) => (m.toolCalls ?? []).map((c) => [c.id, c.name] as const)));
}

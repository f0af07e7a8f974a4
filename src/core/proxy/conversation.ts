import type { ChatMessage, ImageInput } from '../types';

export type PlainMessage = ChatMessage;

export class ConversationError extends Error {}

/**
 * A client's messages as the pipeline takes them: the last user message is the question, earlier turns the
 * history, and an agent's turns after the question (its tool calls and their results) the tool turns, in order.
 */
export function splitConversation(messages: readonly ChatMessage[]): { question: string; images: ImageInput[]; history: ChatMessage[]; toolTurns: ChatMessage[] } {
  const turns = messages.filter((m) => m.role !== 'system');
  const at = turns.map((m) => m.role).lastIndexOf('user');
  const toolTurns = turns.slice(at + 1);
  if (at < 0 || (toolTurns.length > 0 && toolTurns[toolTurns.length - 1]!.role !== 'tool')) {
    throw new ConversationError('The last message must be from the user (or, in an agent\'s tool loop, a tool result after a user message).');
  }
  const question = turns[at]!;
  return { question: question.content, images: question.images ?? [], history: turns.slice(0, at), toolTurns };
}

/**
 * The first tool result that answers no call of an earlier assistant turn, by its index in `turns`: the model
 * would get a result of something it never asked for, and providers refuse such conversations.
 */
export function unansweredToolResult(turns: readonly ChatMessage[]): { index: number; message: string } | undefined {
  const ids = new Set<string>();
  for (const [index, m] of turns.entries()) {
    for (const call of m.toolCalls ?? []) ids.add(call.id);
    if (m.role !== 'tool') continue;
    if (ids.size === 0) {
      return { index, message: 'This is a tool result without a call: no earlier assistant message has tool_calls. Send the assistant message with its tool_calls before their results.' };
    }
    if (!m.toolCallId || !ids.has(m.toolCallId)) {
      return { index, message: `The tool result's id ${JSON.stringify(m.toolCallId ?? '')} matches no call of an earlier assistant message (their ids: ${[...ids].join(', ')}).` };
    }
  }
  return undefined;
}

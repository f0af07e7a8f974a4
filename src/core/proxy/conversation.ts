import type { ChatMessage, ImageInput } from '../types';

export type PlainMessage = ChatMessage;

export class ConversationError extends Error {}

/** A client's messages as the pipeline takes them: the last user message is the question, earlier turns the history. */
export function splitConversation(messages: readonly ChatMessage[]): { question: string; images: ImageInput[]; history: ChatMessage[] } {
  const history = messages.filter((m) => m.role !== 'system');
  const last = history.pop();
  if (!last || last.role !== 'user') throw new ConversationError('The last message must be from the user.');
  return { question: last.content, images: last.images ?? [], history };
}

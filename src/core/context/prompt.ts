// The messages of a request: system prompt, few-shot examples, history, then the question with its context,
// then an agent's tool turns after it (its calls and their results).

import type { ChatMessage, ContextItem, ImageInput } from '../types';
import { formatContext } from './format';

export const SYSTEM_PROMPT =
  'You are Singularity, a coding assistant inside the user\'s editor. Answer precisely and concisely. ' +
  'Use Markdown; put code in fenced blocks tagged with their language.';

export interface PromptParts {
  question: string;
  history: readonly ChatMessage[];
  context: readonly ContextItem[];
  system?: string;
  images?: ImageInput[];
  examples?: readonly ChatMessage[];
  toolTurns?: readonly ChatMessage[];
}

export function buildMessages(input: PromptParts, maxContextChars?: number): { messages: ChatMessage[]; contextTruncated: boolean } {
  const context = formatContext(input.context, maxContextChars);
  const user = context.text ? `${context.text}\n\n${input.question}` : input.question;
  return {
    messages: [
      { role: 'system', content: input.system ?? SYSTEM_PROMPT },
      ...(input.examples ?? []),
      ...input.history,
      { role: 'user', content: user, ...(input.images?.length ? { images: input.images } : {}) },
      ...(input.toolTurns ?? []),
    ],
    contextTruncated: context.truncated,
  };
}

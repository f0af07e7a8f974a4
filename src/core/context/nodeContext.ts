// The context of a node attempt. Ollama answers within a context window (num_ctx, 4096 tokens unless the
// request sets it) and silently drops what does not fit, so a node request: gets the whole context when
// the prompt fits the node window the user allows (singularity.context.nodeContextTokens), compressed to
// fit otherwise (the same compressor as cloud requests); and asks for the window it needs, in doublings
// from 8192, since each new num_ctx makes Ollama reload the model.

import type { AnswerMeta, ChatMessage, ContextItem } from '../types';
import type { Logger } from '../log';
import { estimateTokens } from '../providers/tokens';
import type { CloudContext } from './cloudContext';
import { contextTokens } from './compressor';
import { DEFAULT_CONTEXT_SETTINGS } from './settings';

/** Ollama's window when a request does not set num_ctx. */
export const OLLAMA_DEFAULT_WINDOW = 4096;
/** Room kept for the answer when the request sets no token limit. */
export const NODE_ANSWER_RESERVE = 2048;

/** The num_ctx for a prompt: unset while Ollama's default holds it, else the smallest doubling that does, within `windowTokens`. */
export function numCtx(promptTokens: number, answerTokens: number, windowTokens: number): number | undefined {
  const need = promptTokens + answerTokens;
  if (need <= OLLAMA_DEFAULT_WINDOW) return undefined;
  let size = 2 * OLLAMA_DEFAULT_WINDOW;
  while (size < need && size < windowTokens) size *= 2;
  return Math.min(size, windowTokens);
}

/** Tokens of a prompt as estimateTokens counts them (the same estimate as the rest of the pipeline). */
export function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + estimateTokens(m.content), 0);
}

export function nodeWindow(compression: Pick<CloudContext, 'settings'> | undefined): number {
  return (compression?.settings() ?? DEFAULT_CONTEXT_SETTINGS).nodeContextTokens;
}

/**
 * The context items for node attempts: as given when the prompt fits `windowTokens`, else compressed to what
 * the window leaves after the rest of the prompt and the answer (with compression off, formatContext cuts
 * the items to that size instead: `maxChars`).
 */
export async function nodeContext(
  input: { question: string; context: readonly ContextItem[]; maxTokens?: number },
  otherTokens: number,
  windowTokens: number,
  compression: Pick<CloudContext, 'compressor' | 'settings'> | undefined,
  log: Logger,
): Promise<{ context: readonly ContextItem[]; maxChars: number; report?: NonNullable<AnswerMeta['context']> }> {
  const budget = Math.max(0, windowTokens - otherTokens - (input.maxTokens ?? NODE_ANSWER_RESERVE));
  const maxChars = budget * 4;
  if (contextTokens(input.context) <= budget) return { context: input.context, maxChars };
  const settings = compression?.settings();
  if (!compression || !settings?.compression) return { context: input.context, maxChars };
  try {
    const { items, report } = await compression.compressor.compress(input.question, input.context, { budgetTokens: budget, hardLimitTokens: budget, threshold: settings.relevanceThreshold });
    log.info(`Context for a node (window ${windowTokens} tokens): ${report.tokensBefore} -> ${report.tokensAfter} tokens`);
    return { context: items, maxChars, report };
  } catch (err) {
    log.warn(`Context compression for a node failed, cutting the context to fit instead: ${(err as Error).message}`);
    return { context: input.context, maxChars };
  }
}

/**
 * Parses ahead of a question the files a node request would compress: those over the node window (less the
 * answer's room). Undefined when a node request would send them whole, or compression is off.
 */
export async function prepareNodeContext(context: readonly ContextItem[], compression: Pick<CloudContext, 'compressor' | 'settings'>): Promise<{ parsed: number; ms: number } | undefined> {
  const settings = compression.settings();
  if (!settings.compression || contextTokens(context) <= settings.nodeContextTokens - NODE_ANSWER_RESERVE) return undefined;
  return compression.compressor.prepare(context);
}

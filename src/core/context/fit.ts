// Fitting a request to a target: a node gets the whole context when it fits its window (num_ctx sized to the
// prompt), compressed to it otherwise; a cloud model gets only what may leave the machine (never-send files
// withheld, secrets redacted), compressed to its budget. Each is worked out once, when a target of that kind
// is first tried, so a request the nodes answer never pays for redaction or cloud compression.

import type { PrivacyConfig, Target } from '../types';
import type { Logger } from '../log';
import type { Prompt } from '../nodes/dispatch';
import { buildMessages, type PromptParts } from './prompt';
import { cloudContext, type CloudContext } from './cloudContext';
import { NODE_ANSWER_RESERVE, nodeContext, nodeWindow, numCtx, promptTokens } from './nodeContext';

export function contextFitter(
  input: PromptParts & { maxTokens?: number },
  privacy: PrivacyConfig,
  compression: CloudContext | undefined,
  log: Logger,
): (target: Target) => Promise<Prompt> {
  let forNodes: Promise<Prompt> | undefined;
  let forCloud: Promise<Prompt> | undefined;
  return (target) => (target.kind === 'cloud' ? (forCloud ??= cloudPrompt(target.model)) : (forNodes ??= nodePrompt()));

  async function nodePrompt(): Promise<Prompt> {
    const windowTokens = nodeWindow(compression);
    const other = promptTokens(buildMessages({ ...input, context: [] }).messages);
    const fitted = await nodeContext(input, other, windowTokens, compression, log);
    const built = buildMessages({ ...input, context: fitted.context }, fitted.maxChars);
    const size = numCtx(promptTokens(built.messages), input.maxTokens ?? NODE_ANSWER_RESERVE, windowTokens);
    return {
      messages: built.messages,
      truncated: built.contextTruncated,
      ...(size ? { numCtx: size } : {}),
      ...(fitted.report?.compressed ? { notes: { context: fitted.report } } : {}),
    };
  }

  async function cloudPrompt(model: string): Promise<Prompt> {
    const { safe, notes } = await cloudContext(input, privacy, model, compression, log);
    const built = buildMessages({ ...safe, images: input.images });
    return { messages: built.messages, truncated: built.contextTruncated, notes };
  }
}

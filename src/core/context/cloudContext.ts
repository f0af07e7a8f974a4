// The context of a cloud attempt: what may leave the machine (cloudPolicy.ts), compressed to the target
// model's budget. Local and LAN attempts never come here: they get the full context when it fits.

import type { AnswerMeta, ChatMessage, ContextItem, PrivacyConfig } from '../types';
import type { Logger } from '../log';
import { estimateTokens } from '../providers/tokens';
import { cloudBudget } from './budget';
import { forCloud, type CloudSafe } from './cloudPolicy';
import { contextTokens, type ContextCompressor } from './compressor';
import type { Embedder } from './embeddings';
import type { ContextSettings } from './settings';

export interface CloudContext {
  compressor: ContextCompressor;
  settings(): ContextSettings;
  /** An embedder for the configured embedding model on a healthy node that serves it, if any. */
  embedder(): Embedder | undefined;
}

export type CloudNotes = Pick<AnswerMeta, 'redacted' | 'withheld' | 'context'>;

export async function cloudContext(
  input: { question: string; history: readonly ChatMessage[]; toolTurns?: readonly ChatMessage[]; context: readonly ContextItem[]; system?: string },
  privacy: PrivacyConfig,
  model: string,
  cloud: CloudContext | undefined,
  log: Logger,
): Promise<{ safe: CloudSafe; notes: CloudNotes }> {
  const safe = await forCloud(input, privacy);
  const notes: CloudNotes = {
    ...(safe.redacted > 0 ? { redacted: safe.redacted } : {}),
    ...(safe.withheld.length > 0 ? { withheld: safe.withheld } : {}),
  };
  const settings = cloud?.settings();
  if (!cloud || !settings?.compression || safe.context.length === 0) return { safe, notes };
  const other = estimateTokens([safe.system ?? '', safe.question, ...[...safe.history, ...(safe.toolTurns ?? [])].map((m) => m.content)].join('\n'));
  const { budgetTokens, hardLimitTokens } = cloudBudget(model, settings.budgetTokens, other);
  try {
    const embedder = cloud.embedder();
    const { items, report } = await cloud.compressor.compress(safe.question, safe.context, {
      budgetTokens,
      hardLimitTokens,
      threshold: settings.relevanceThreshold,
      ...(embedder ? { embedder } : {}),
    });
    if (report.compressed) log.info(`Context for ${model}: ${report.tokensBefore} -> ${report.tokensAfter} tokens (${report.chunks.filter((c) => c.kept).length} of ${report.chunks.length} chunks, ${Math.round(report.ms)} ms)`);
    return { safe: { ...safe, context: items }, notes: { ...notes, context: report } };
  } catch (err) {
    // Compression is an optimisation: if it fails, the request goes out as before rather than not at all.
    log.warn(`Context compression failed, sending the context uncompressed: ${(err as Error).stack ?? (err as Error).message}`);
    return { safe, notes };
  }
}

/**
 * Parses ahead of a question the files a cloud request would compress, as the cloud would get them (never-send
 * files left out, secrets redacted), so that when the question comes compression only ranks and selects.
 * Undefined when no cloud request would compress them: local-only mode, compression off, or context within the budget.
 */
export async function prepareCloudContext(context: readonly ContextItem[], privacy: PrivacyConfig, cloud: Pick<CloudContext, 'compressor' | 'settings'>): Promise<{ parsed: number; ms: number } | undefined> {
  const settings = cloud.settings();
  if (privacy.localOnly || !settings.compression) return undefined;
  const safe = (await forCloud({ question: '', history: [], context }, privacy)).context;
  if (contextTokens(safe) <= settings.budgetTokens) return undefined;
  return cloud.compressor.prepare(safe);
}

// singularity compress --query "..." --budget TOKENS [--threshold X] [--node URL --embed-model M] FILE...
//
// Prints the context exactly as a cloud model would get it (never-send files withheld, secrets redacted, kept
// chunks in file order, elision markers) to stdout, and one JSON line of stats to stderr. Same compressor as the extension; lexical relevance
// unless an Ollama node and an embedding model are given.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ContextCompressor } from '../core/context/compressor';
import { OllamaEmbedder } from '../core/providers/ollama';
import { formatContext } from '../core/context/format';
import { languageOfPath } from '../core/context/languages';
import { DEFAULT_CONTEXT_SETTINGS, MIN_BUDGET_TOKENS } from '../core/context/settings';
import { DEFAULT_PRIVACY, forCloud } from '../core/context/cloudPolicy';
import type { ContextItem } from '../core/types';
import { UsageError } from './router';
import { stderrLogger } from './runtime';

export async function runCompress(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      query: { type: 'string' },
      budget: { type: 'string' },
      threshold: { type: 'string' },
      node: { type: 'string' },
      'embed-model': { type: 'string' },
    },
  });
  if (!values.query?.trim()) throw new UsageError('--query is required: the question the context is for.');
  const budget = Number(values.budget);
  if (!Number.isInteger(budget) || budget < MIN_BUDGET_TOKENS) throw new UsageError(`--budget must be a whole number of tokens, at least ${MIN_BUDGET_TOKENS}.`);
  const threshold = values.threshold === undefined ? DEFAULT_CONTEXT_SETTINGS.relevanceThreshold : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold must be a number from 0 to 1.');
  if (!!values.node !== !!values['embed-model']) throw new UsageError('--node and --embed-model go together: embeddings come from that Ollama node.');
  if (positionals.length === 0) throw new UsageError('Name at least one FILE to compress.');
  const items: ContextItem[] = positionals.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read ${path}: ${(err as Error).message}`);
    }
    const language = languageOfPath(path);
    return { kind: 'file', path, text, ...(language ? { language } : {}) };
  });
  const embedder = values.node && values['embed-model'] ? new OllamaEmbedder(values.node, values['embed-model']) : undefined;
  const compressor = new ContextCompressor({ log: stderrLogger(false) });
  const safe = await forCloud({ question: values.query, history: [], context: items }, DEFAULT_PRIVACY);
  const { items: sent, report } = await compressor.compress(safe.question, safe.context, { budgetTokens: budget, threshold, ...(embedder ? { embedder } : {}) });
  process.stdout.write(`${formatContext(sent, Number.POSITIVE_INFINITY).text}\n`);
  const kept = report.chunks.filter((c) => c.kept).length;
  process.stderr.write(
    `${JSON.stringify({
      tokensBefore: report.tokensBefore,
      tokensAfter: report.tokensAfter,
      chunksKept: kept,
      chunksDropped: report.chunks.length - kept,
      ms: Math.round(report.ms * 10) / 10,
      compressed: report.compressed,
      relevance: report.relevance,
      coverage: Math.round(report.coverage * 1000) / 1000,
      redacted: safe.redacted,
      withheld: safe.withheld,
      ...(report.notes.length > 0 ? { notes: report.notes } : {}),
      ...(report.leftOut ? { leftOut: report.leftOut } : {}),
    })}\n`,
  );
  return 0;
}

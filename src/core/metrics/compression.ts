// Context compression on the dashboard: answered requests whose context was compressed before a cloud
// call, and the context tokens that compression kept from the cloud (before - after), which count as
// saved cloud prompt tokens in the headline and the tokens-saved chart.

import type { Store } from '../store/db';
import type { CompressionSummary, Headline, Series } from '../../shared/dashboard';
import type { CloudPrices } from './types';
import { bucketsCte, inRange, unpack, type PeriodWindow } from './window';
import type { RequestDays } from './days';

export interface CompressionSavings extends CompressionSummary {
  /** Tokens kept from the cloud per bucket. */
  saved: number[];
}

/**
 * Per bucket over the kept rows, plus the rolled-up days. The WHERE repeats the requests_metrics_compression
 * index's condition (migration 009): the range then reads only compressed answers, not every answered request
 * (named: without statistics the planner prefers the outcome index, an equality, over this range).
 */
export async function compressionSavings(store: Store, w: PeriodWindow, days: readonly RequestDays[]): Promise<CompressionSavings> {
  const rows = await store.query<{ bucket: number; v: string }>(
    `WITH RECURSIVE ${bucketsCte(w)}
     SELECT w.i AS bucket,
       (SELECT COUNT(*) || ',' || TOTAL(context_tokens_before) || ',' || TOTAL(context_tokens_after)
          FROM requests r INDEXED BY requests_metrics_compression WHERE r.outcome = 'ok' AND r.context_tokens_before IS NOT NULL AND ${inRange('r')}) AS v
     FROM w`,
  );
  const out: CompressionSavings = { available: true, requests: 0, tokensBefore: 0, tokensAfter: 0, saved: new Array<number>(w.buckets).fill(0) };
  const cells = rows.map((r) => {
    const [n = 0, before = 0, after = 0] = unpack(r.v).map((x) => x ?? 0);
    return { bucket: r.bucket, n, before, after };
  });
  for (const d of days) if (d.outcome === 'ok') cells.push({ bucket: d.bucket, n: d.compressed, before: d.context_tokens_before, after: d.context_tokens_after });
  const before = new Array<number>(w.buckets).fill(0);
  const after = new Array<number>(w.buckets).fill(0);
  for (const c of cells) {
    out.requests += c.n;
    out.tokensBefore += c.before;
    out.tokensAfter += c.after;
    before[c.bucket]! += c.before;
    after[c.bucket]! += c.after;
  }
  before.forEach((b, i) => (out.saved[i] = Math.max(0, b - after[i]!)));
  return out;
}

export function addCompressionSavings(headline: Headline, tokensSaved: Series<'saved'>, c: CompressionSavings, prices: CloudPrices): void {
  const saved = Math.max(0, c.tokensBefore - c.tokensAfter);
  headline.cloudTokensSaved += saved;
  headline.costSaved += (saved * prices.inputPerMillion) / 1_000_000;
  c.saved.forEach((n, b) => (tokensSaved.values.saved[b]! += n));
}

// Context compression on the dashboard: answered requests whose context was compressed before a cloud
// call, and the context tokens that compression kept from the cloud (before - after), which count as
// saved cloud prompt tokens in the headline and the tokens-saved chart.

import type { Store } from '../store/db';
import type { CompressionSummary, Headline, Series } from '../../shared/dashboard';
import type { CloudPrices } from './types';
import { bucketsCte, inRange, unpack, type PeriodWindow } from './window';

export interface CompressionSavings extends CompressionSummary {
  /** Tokens kept from the cloud per bucket. */
  saved: number[];
}

export async function compressionSavings(store: Store, w: PeriodWindow): Promise<CompressionSavings> {
  const rows = (await store.query<{ bucket: number; v: string }>(
    `WITH RECURSIVE ${bucketsCte(w)}
     SELECT w.i AS bucket,
       (SELECT COUNT(*) || ',' || TOTAL(context_tokens_before) || ',' || TOTAL(context_tokens_after)
          FROM requests r WHERE r.outcome = 'ok' AND r.context_tokens_before IS NOT NULL AND ${inRange('r')}) AS v
     FROM w`,
  ));
  const out: CompressionSavings = { available: true, requests: 0, tokensBefore: 0, tokensAfter: 0, saved: new Array<number>(w.buckets).fill(0) };
  for (const r of rows) {
    const [n = 0, before = 0, after = 0] = unpack(r.v).map((x) => x ?? 0);
    out.requests += n;
    out.tokensBefore += before;
    out.tokensAfter += after;
    out.saved[r.bucket] = Math.max(0, before - after);
  }
  return out;
}

export function addCompressionSavings(headline: Headline, tokensSaved: Series<'saved'>, c: CompressionSavings, prices: CloudPrices): void {
  const saved = Math.max(0, c.tokensBefore - c.tokensAfter);
  headline.cloudTokensSaved += saved;
  headline.costSaved += (saved * prices.inputPerMillion) / 1_000_000;
  c.saved.forEach((n, b) => (tokensSaved.values.saved[b]! += n));
}

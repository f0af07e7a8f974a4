// The Compression section: cloud answers whose context was compressed and the tokens it kept from the
// cloud, or the hint while there are none in the period.

import type { DashboardData } from '../../src/shared/dashboard';
import { formatCount } from './format';

export function renderCompression(el: HTMLElement, compression: DashboardData['compression']): void {
  el.hidden = false;
  if (!compression.available) {
    el.textContent = compression.hint;
    return;
  }
  const { requests, tokensBefore, tokensAfter } = compression;
  const saved = tokensBefore - tokensAfter;
  const share = tokensBefore > 0 ? Math.round((saved / tokensBefore) * 100) : 0;
  el.textContent =
    `${formatCount(requests)} cloud ${requests === 1 ? 'answer' : 'answers'} with compressed context: ` +
    `${formatCount(tokensBefore)} → ${formatCount(tokensAfter)} context tokens (${share}% saved, counted in tokens saved)`;
}

// Number formatting for the dashboard: short, readable, and the same in every card and table.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234 -> "1,234"; 1_234_567 -> "1.23M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${trim(n / 1e9)}B`;
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  return integer.format(n);
}

/** Dollars with cents; tiny non-zero amounts show as "< $0.01". */
export function formatMoney(usd: number): string {
  if (!Number.isFinite(usd)) return '–';
  if (usd > 0 && usd < 0.01) return '< $0.01';
  if (usd >= 1000) return `$${integer.format(usd)}`;
  return `$${usd.toFixed(2)}`;
}

/** 0.8333 -> "83%"; undefined -> "–". */
export function formatShare(share: number | undefined): string {
  return share === undefined || !Number.isFinite(share) ? '–' : `${Math.round(share * 100)}%`;
}

/** 87.6 -> "88 ms"; 1530 -> "1.53 s". */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 1000 ? `${trim(ms / 1000)} s` : `${Math.round(ms)} ms`;
}

export function formatTps(tps: number | undefined): string {
  return tps === undefined || !Number.isFinite(tps) ? '–' : `${tps.toFixed(1)} tok/s`;
}

function trim(n: number): string {
  return n.toFixed(2).replace(/\.?0+$/, '');
}

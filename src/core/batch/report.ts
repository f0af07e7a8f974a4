// The Markdown report of a batch, opened in an untitled editor by the batch commands. Pure: results in,
// text out. Model text is included as it came (this is a document the user reads in the editor, not
// HTML rendered anywhere).

import type { BatchResult } from './parallel';

export interface ReportInfo {
  /** Wall-clock time of the whole batch; with it the header shows the parallel speedup. */
  wallMs?: number;
  /** Lines shown under the header, e.g. files that were skipped and why. */
  notes?: readonly string[];
}

export function batchReport(title: string, results: readonly BatchResult[], info: ReportInfo = {}): string {
  const ok = results.filter((r) => r.outcome === 'ok').length;
  const count = (o: BatchResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const failed = results.length - ok;
  const failures = [
    [count('error'), 'error'],
    [count('timeout'), 'timed out'],
    [count('cancelled'), 'cancelled'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`);
  const itemTime = results.reduce((n, r) => n + r.totalMs, 0);

  const lines = [`# ${title}`, ''];
  lines.push(`- Items: ${results.length} · ok: ${ok} · failed: ${failed}${failures.length ? ` (${failures.join(', ')})` : ''}`);
  if (info.wallMs !== undefined) lines.push(`- Wall time: ${duration(info.wallMs)}`);
  lines.push(`- Sum of item times: ${duration(itemTime)}${speedup(itemTime, info.wallMs)}`);
  for (const note of info.notes ?? []) lines.push(`- ${note}`);

  for (const r of results) {
    lines.push('', `## ${r.item.title}`, '', metaLine(r), '');
    lines.push(body(r));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** `route · node · model · TTFT · quality or escalation · total time · attempts`, leaving out what is unknown. */
function metaLine(r: BatchResult): string {
  const m = r.meta;
  const parts = [
    m?.route,
    m?.node,
    m?.model,
    m?.ttftMs !== undefined ? `TTFT ${Math.round(m.ttftMs)} ms` : undefined,
    m?.quality ? `quality ${m.quality.score.toFixed(2)}` : undefined,
    m?.escalatedFrom ? `escalated from a node answer: ${m.escalatedFrom.reason}` : undefined,
    `total ${duration(r.totalMs)}`,
    `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`,
  ].filter((p): p is string => !!p);
  return parts.join(' · ');
}

function body(r: BatchResult): string {
  const answer = r.text.trim();
  if (r.outcome === 'ok') return answer || '_(empty answer)_';
  const label = { error: 'Failed', timeout: 'Timed out', cancelled: 'Cancelled' }[r.outcome];
  const why = r.error ? `: ${r.error}` : r.outcome === 'cancelled' ? (r.attempts === 0 ? ': not started' : ': stopped') : '';
  const head = `**${label}**${why}`;
  return answer ? `${head}\n\nPartial answer:\n\n${answer}` : head;
}

function speedup(itemMs: number, wallMs: number | undefined): string {
  if (wallMs === undefined || wallMs <= 0 || itemMs <= 0) return '';
  return ` (parallel speedup ×${(itemMs / wallMs).toFixed(1)})`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

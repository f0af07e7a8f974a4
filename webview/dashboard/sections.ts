// The non-chart parts of the dashboard: headline cards, the live nodes table, the router table and the
// hints of sections whose feature has not landed. Everything is written with textContent (node and
// model names come from settings and from the nodes themselves).

import type { DashboardData, EmptySection, LiveNode } from '../../src/shared/dashboard';
import { formatCount, formatMoney, formatMs, formatShare, formatTps } from './format';

export type Metric = 'tokensSaved' | 'localShare' | 'ttft' | 'acceptance';

export function renderCards(root: ParentNode, data: DashboardData): void {
  const h = data.headline;
  const card = (metric: Metric, value: string, sub: string, raw: number | undefined) => {
    const el = root.querySelector<HTMLElement>(`.card[data-metric="${metric}"]`);
    if (!el) return;
    el.querySelector('.value')!.textContent = value;
    el.querySelector('.sub')!.textContent = sub;
    el.dataset.raw = raw === undefined ? '' : String(raw);
  };
  const money = h.costSaved > 0 && h.costSaved < 0.01 ? 'less than $0.01' : `≈ ${formatMoney(h.costSaved)}`;
  card('tokensSaved', formatCount(h.cloudTokensSaved), `${money} at your cloud price`, h.cloudTokensSaved);
  card('localShare', formatShare(h.localShare), 'of answered requests ran on a local or LAN node', h.localShare);
  const headStart = h.ttftShareOfTotal === undefined ? '' : ` · text appears after ${formatShare(h.ttftShareOfTotal)} of the answer time`;
  card('ttft', formatMs(h.medianTtftMs), `median time to first token${headStart}`, h.medianTtftMs);
  card('acceptance', formatShare(h.acceptanceRate), 'of answers accepted (no thumbs-down, not asked again of the cloud)', h.acceptanceRate);
}

export function renderNodes(table: HTMLTableElement, live: LiveNode[]): void {
  const body = table.tBodies[0] ?? table.createTBody();
  if (live.length === 0) {
    body.replaceChildren(row([cell('No Ollama node is configured. Add one with "Singularity: Add Ollama Node".', 'muted', 8)]));
    return;
  }
  body.replaceChildren(
    ...live.map((n) => {
      const health = cell(n.healthy ? 'up' : 'down', n.healthy ? 'ok' : 'bad');
      if (n.error) health.title = n.error;
      const name = cell(n.name);
      const tier = document.createElement('span');
      tier.className = 'tier';
      tier.textContent = n.tier;
      name.append(' ', tier);
      const tr = row([
        name,
        health,
        cell(`${n.active}/${n.maxParallel}`, n.active >= n.maxParallel ? 'warn' : ''),
        cell(String(n.queued), n.queued > 0 ? 'warn' : ''),
        cell(formatTps(n.tokensPerSecond)),
        cell(formatMs(n.ttftMs)),
        cell(n.loaded.length > 0 ? n.loaded.join(', ') : '–'),
        cell(n.breaker, n.breaker === 'healthy' ? '' : 'warn'),
      ]);
      tr.dataset.node = n.name;
      return tr;
    }),
  );
}

export function renderStrategies(table: HTMLTableElement, strategies: DashboardData['strategies']): void {
  const body = table.tBodies[0] ?? table.createTBody();
  const total = strategies.reduce((n, s) => n + s.requests, 0);
  if (strategies.length === 0) {
    body.replaceChildren(row([cell('No routed request in this period.', 'muted', 3)]));
    return;
  }
  body.replaceChildren(...strategies.map((s) => row([cell(s.name), cell(formatCount(s.requests), 'num'), cell(total > 0 ? `${Math.round((s.requests / total) * 100)}%` : '–', 'num')])));
}

/** Fills an element with a section's hint (the feature is not there yet, or has no data). */
/** One line of totals under the learning chart: what the gate, the feedback and the example library did. */
export function renderLearning(el: HTMLElement, learning: DashboardData['learning']): void {
  const t = learning.totals;
  const l = learning.library;
  const accepted = t.labelledLocal > 0 ? formatShare(t.acceptedLocal / t.labelledLocal) : '–';
  el.textContent =
    `Local answers accepted: ${accepted} of ${formatCount(t.labelledLocal)} with a verdict · rerouted: ${formatCount(t.rerouted)} ` +
    `(${formatCount(t.escalated)} by the quality gate, of ${formatCount(t.gateScored)} scored) · thumbs ${formatCount(t.thumbsUp)} up / ${formatCount(t.thumbsDown)} down · ` +
    `examples: ${formatCount(l.active + l.promoted)} in use (${formatCount(l.promoted)} promoted), ${formatCount(l.retired)} retired; ${formatCount(l.added)} added and ${formatCount(l.used)} uses in this period`;
}

export function renderHint(el: HTMLElement, section: EmptySection): void {
  el.textContent = section.hint;
  el.hidden = section.available !== false;
}

function row(cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

function cell(text: string, className = '', colSpan = 1): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  if (colSpan > 1) td.colSpan = colSpan;
  return td;
}

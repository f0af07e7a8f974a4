// Under a cloud answer: what context compression sent. A collapsed line with the tokens before and after;
// opened, every chunk (kept or dropped, why, size) with "show" (the host sends its text) and "pin" (the
// host sends it with every later question of the conversation).

import type { AnswerMeta, ChunkRef, HostMessage, WebviewMessage } from '../../src/shared/protocol';
import { codicon } from './codicon';

type ContextReport = NonNullable<AnswerMeta['context']>;

const count = (n: number) => n.toLocaleString('en-US');

export function contextReportElement(report: ContextReport, requestId: string | undefined): HTMLElement {
  const details = document.createElement('details');
  details.className = 'context-report';
  if (requestId) details.dataset.requestId = requestId;
  const summary = document.createElement('summary');
  const kept = report.chunks.filter((c) => c.kept).length;
  summary.append(
    codicon('symbol-file'),
    text(
      'span',
      'context-summary',
      report.compressed
        ? `Context ${count(report.tokensBefore)} → ${count(report.tokensAfter)} tokens · ${kept} of ${report.chunks.length} chunks sent`
        : `Context ${count(report.tokensBefore)} tokens, sent whole (within the ${count(report.budgetTokens)}-token budget)`,
    ),
  );
  summary.dataset.tokensBefore = String(report.tokensBefore);
  summary.dataset.tokensAfter = String(report.tokensAfter);
  summary.dataset.itemsParsed = String(report.itemsParsed);
  details.append(summary);
  if (!report.compressed) return details;
  const facts = [`${report.relevance} relevance`, `coverage ${Math.round(report.coverage * 100)}%`, `${Math.round(report.ms)} ms${report.itemsParsed === 0 ? ' (files parsed ahead)' : ''}`, ...report.notes];
  details.append(text('div', 'context-notes', facts.join(' · ')));
  if (report.leftOut?.length) details.append(text('div', 'context-left-out', `Not sent (${report.leftOut.length} file${report.leftOut.length === 1 ? '' : 's'}): ${report.leftOut.join(', ')}`));
  const list = document.createElement('ul');
  list.className = 'context-chunks';
  for (const c of report.chunks) list.append(chunkRow(c));
  details.append(list);
  return details;
}

function chunkRow(c: ContextReport['chunks'][number]): HTMLElement {
  const row = document.createElement('li');
  row.className = `context-chunk ${c.kept ? 'kept' : 'dropped'}`;
  Object.assign(row.dataset, { path: c.path, startLine: String(c.startLine), endLine: String(c.endLine) });
  const label = `${c.path}:${c.startLine + 1}-${c.endLine}`;
  row.append(
    codicon(c.kept ? 'check' : 'circle-slash'),
    text('span', 'chunk-label', label),
    text('span', 'chunk-names', c.names?.join(', ') ?? ''),
    text('span', 'chunk-tokens', `${count(c.tokens)} tok`),
    text('span', 'chunk-why', c.kept ? (c.why ?? 'kept') : `dropped · score ${c.score}`),
    button('chunk-expand', 'chevron-down', `Show ${label}`),
    button('chunk-pin', 'pin', `Pin ${label}: always send it with this conversation's questions`),
  );
  return row;
}

/** Clicks on "show" and "pin" become chunkAction messages; the host's replies fill the rows. */
export function wireContextReports(root: HTMLElement, post: (m: WebviewMessage) => void): void {
  root.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLElement>('.chunk-expand, .chunk-pin');
    const row = button?.closest<HTMLElement>('.context-chunk');
    const requestId = row?.closest<HTMLElement>('.context-report')?.dataset.requestId;
    if (!button || !row || !requestId) return;
    const chunk = chunkOf(row);
    if (button.classList.contains('chunk-pin')) {
      post({ type: 'chunkAction', requestId, action: 'pin', chunk });
      return;
    }
    const shown = row.querySelector('.chunk-text');
    if (shown) {
      shown.remove();
      return;
    }
    post({ type: 'chunkAction', requestId, action: 'expand', chunk });
  });
}

export function showChunkHostMessage(root: HTMLElement, m: Extract<HostMessage, { type: 'chunkText' | 'chunkPinned' }>): void {
  for (const report of root.querySelectorAll<HTMLElement>('.context-report')) {
    if (report.dataset.requestId !== m.requestId) continue;
    for (const row of report.querySelectorAll<HTMLElement>('.context-chunk')) {
      const c = chunkOf(row);
      if (c.path !== m.chunk.path || c.startLine !== m.chunk.startLine || c.endLine !== m.chunk.endLine) continue;
      if (m.type === 'chunkPinned') {
        row.classList.toggle('pinned', m.pinned);
        row.querySelector('.chunk-pin')?.setAttribute('aria-pressed', String(m.pinned));
      } else {
        row.querySelector('.chunk-text')?.remove();
        row.append(text('pre', 'chunk-text', m.text));
      }
    }
  }
}

function chunkOf(row: HTMLElement): ChunkRef {
  return { path: row.dataset.path ?? '', startLine: Number(row.dataset.startLine), endLine: Number(row.dataset.endLine) };
}

function text(tag: string, className: string, content: string): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = content;
  return el;
}

function button(className: string, icon: string, title: string): HTMLElement {
  const b = document.createElement('button');
  b.className = className;
  b.title = title;
  b.setAttribute('aria-label', title);
  if (className === 'chunk-pin') b.setAttribute('aria-pressed', 'false');
  b.append(codicon(icon));
  return b;
}

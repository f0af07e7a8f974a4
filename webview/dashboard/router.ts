// The learned router's panel: which model routes (or why the heuristic does), the calibrated thresholds,
// the A/B arms with their 95% intervals, promotion and retraining. Text only: every value is set with
// textContent, never as HTML.

import type { Estimate, LearnedRouterStatus } from '../../src/shared/router';
import { formatCount } from './format';

export function renderLearnedRouter(root: HTMLElement, s: LearnedRouterStatus): void {
  const lines: HTMLElement[] = [];
  const line = (text: string, className = '') => {
    const p = document.createElement('p');
    p.textContent = text;
    if (className) p.className = className;
    lines.push(p);
    return p;
  };
  const modeText = { ab: 'A/B test: learned model vs heuristic, per conversation', ml: 'learned model', heuristic: 'heuristic' }[s.mode];
  line(`Mode: ${modeText}`).dataset.field = 'mode';
  if (s.model) {
    const m = s.model.info.metrics;
    const figures = m ? ` · held-out AUC ${fixed(m.auc)}${m.apgr !== undefined ? ` · APGR ${fixed(m.apgr)}` : ''}` : '';
    line(`Model: ${s.model.source}, trained on ${s.model.info.trainedOn} (${formatCount(s.model.info.rows)} rows)${figures}`).dataset.field = 'model';
  } else if (!s.fallback) {
    line('Model: loads with the first request that has a choice between the nodes and the cloud.').dataset.field = 'model';
  }
  if (s.fallback) {
    const warn = line(`Fallback: ${s.fallback}`, 'router-fallback');
    warn.dataset.field = 'fallback';
    warn.setAttribute('role', 'status');
  }
  const t = s.thresholds.ml;
  if (t) {
    const realized = t.realized === undefined ? 'no decisions yet' : `realized ${Math.round(t.realized * 100)}% over the last ${formatCount(t.realizedOver)}`;
    line(`Cloud share: target ${Math.round(t.share * 100)}% · ${realized}`).dataset.field = 'share';
    line(`Ranked among your ${formatCount(t.recent)} recent predictions${t.recent < 20 ? ' and a prior' : ''}: p_cloud ≥ ${fixed(t.value)} goes to the cloud now`).dataset.field = 'threshold';
  }
  if (s.meaningProblem) {
    const note = line(`Routing without the meaning of questions: ${s.meaningProblem}`, 'router-fallback');
    note.dataset.field = 'meaning';
    note.setAttribute('role', 'status');
  }
  if (s.lastBlend) line(`Last decision by: ${s.lastBlend.map((b) => `${b.signal} ${Math.round(b.share * 100)}%`).join(', ')}`).dataset.field = 'signals';
  if (s.promoted) line(`Promoted: ${s.promoted.arm} on ${new Date(s.promoted.at).toLocaleString()}: ${s.promoted.reason}`).dataset.field = 'promoted';
  line(`Answers with feedback labels: ${formatCount(s.labeledRows)}${s.retraining ? ' · retraining now…' : ''}${s.lastRetrain ? ` · last retrain: ${s.lastRetrain.result}` : ''}`).dataset.field = 'learning';

  const table = document.createElement('table');
  table.id = 'ab-table';
  const head = table.createTHead().insertRow();
  for (const h of ['Arm', 'Answers', 'Cloud share', 'Cloud tokens / answer', 'Accepted', 'Latency']) head.append(Object.assign(document.createElement('th'), { textContent: h }));
  const body = table.createTBody();
  for (const arm of s.comparison.arms) {
    const r = body.insertRow();
    r.dataset.arm = arm.arm;
    for (const text of [arm.arm, formatCount(arm.n), arm.cloudShare === undefined ? '–' : `${Math.round(arm.cloudShare * 100)}%`, interval(arm.cloudTokens, 0), interval(arm.accepted, 1, 100, '%'), interval(arm.latencyMs, 0, 1, ' ms')]) r.insertCell().textContent = text;
  }
  const d = s.comparison.difference;
  const r = body.insertRow();
  r.className = 'muted';
  for (const text of ['ml − heuristic', '', interval(d.cloudTokens, 0), interval(d.accepted, 1, 100, ' pts'), interval(d.latencyMs, 0, 1, ' ms')]) r.insertCell().textContent = text;
  root.replaceChildren(...lines, table);
}

const fixed = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));

/** "12.0 ± 3.1": a mean and its 95% interval; "–" before there are two samples. */
function interval(e: Estimate, digits: number, scale = 1, unit = ''): string {
  if (!Number.isFinite(e.ci)) return '–';
  return `${(e.mean * scale).toFixed(digits)} ± ${(e.ci * scale).toFixed(digits)}${unit}`;
}

// Entry point of the dashboard webview. The page markup comes from src/vscode/dashboardHtml.ts;
// this wires it to the host: every DashboardHostMessage is handled here, user actions become
// DashboardWebviewMessages. The host pushes fresh data whenever a request is recorded or a node changes.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import { PERIODS, type DashboardData, type Period } from '../../src/shared/dashboard';
import type { DashboardHostMessage } from '../../src/shared/protocol';
import { Charts } from './charts';
import { formatCount } from './format';
import { renderCards, renderHint, renderLearning, renderNodes, renderStrategies } from './sections';
import { renderLearnedRouter } from './router';
import { renderCompression } from './compression';
import { vscode } from './vscodeApi';

const PERIOD_LABELS: Record<Period, string> = { today: 'today', '7d': 'the last 7 days', '30d': 'the last 30 days', all: 'all time' };

const ui = {
  period: byId('period') as HTMLSelectElement,
  exportCsv: byId('export-csv'),
  exportJson: byId('export-json'),
  demoBadge: byId('demo-badge'),
  summary: byId('summary'),
  exportStatus: byId('export-status'),
  empty: byId('empty'),
  history: byId('history'),
  nodesTable: byId('nodes-table') as HTMLTableElement,
  strategiesTable: byId('strategies-table') as HTMLTableElement,
};

const charts = new Charts(ui.history);
let current: DashboardData | undefined;

const saved = vscode.getState()?.period;
ui.period.value = saved && PERIODS.includes(saved) ? saved : '7d';
wireUserActions();
watchTheme();
window.addEventListener('message', (event: MessageEvent<DashboardHostMessage>) => handleHostMessage(event.data));
vscode.postMessage({ type: 'ready' });
// The host answers ready with the default period; ask for the remembered one if it differs.
if (ui.period.value !== '7d') vscode.postMessage({ type: 'setPeriod', period: ui.period.value as Period });

function handleHostMessage(message: DashboardHostMessage): void {
  switch (message.type) {
    case 'data':
      // A late answer for a period the user has since left is dropped; the next one is on its way.
      if (message.data.period !== ui.period.value) return;
      render(message.data);
      renderNodes(ui.nodesTable, message.live);
      if (message.router) renderLearnedRouter(document.getElementById('learned-router')!, message.router);
      document.querySelector<HTMLElement>('.section-hint[data-section="learnedRouter"]')!.hidden = !!message.router;
      ui.demoBadge.hidden = !message.demo;
      break;
    case 'exported':
      ui.exportStatus.textContent = `Exported ${formatCount(message.rows)} requests (${message.format.toUpperCase()}) to ${message.path}`;
      ui.exportStatus.hidden = false;
      break;
  }
}

function render(data: DashboardData): void {
  current = data;
  const empty = data.headline.requests === 0;
  document.body.classList.toggle('no-data', empty);
  ui.empty.hidden = !empty;
  ui.history.hidden = empty;
  ui.summary.textContent = `${formatCount(data.headline.requests)} ${data.headline.requests === 1 ? 'request' : 'requests'} · ${PERIOD_LABELS[data.period]} · updated ${new Date(data.generatedAt).toLocaleTimeString()}`;
  ui.summary.dataset.requests = String(data.headline.requests);
  renderCards(document, data);
  renderStrategies(ui.strategiesTable, data.strategies);
  renderLearning(byId('learning-summary'), data.learning);
  renderCompression(byId('compression-summary'), data.compression);
  for (const [key, section] of Object.entries({ learnedRouter: data.learnedRouter, vision: data.vision })) {
    const el = document.querySelector<HTMLElement>(`.section-hint[data-section="${key}"]`);
    if (el) renderHint(el, section);
  }
  // Charts are drawn into visible containers only, so their width is known.
  if (!empty) charts.render(data);
}

function wireUserActions(): void {
  ui.period.addEventListener('change', () => {
    const period = ui.period.value as Period;
    vscode.setState({ period });
    vscode.postMessage({ type: 'setPeriod', period });
  });
  ui.exportCsv.addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'csv' }));
  ui.exportJson.addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'json' }));
}

/** VS Code swaps the body class (vscode-light / vscode-dark / vscode-high-contrast[-light]) and the
 *  --vscode-* variables on <html> when the theme changes: redraw the canvases with the new colours. */
function watchTheme(): void {
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (current && current.headline.requests > 0) charts.redraw();
    });
  };
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard webview: #${id} is missing from the page`);
  return element;
}

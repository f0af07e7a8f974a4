// The dashboard webview's page body. The ids and classes are the contract with webview/dashboard/main.ts
// and the tests: #period, #export-csv, #export-json, .card[data-metric] .value, .chart[data-chart],
// #nodes-table, .empty-state, .demo-badge. The frame (CSP, styles, script) is webviewPage's.

import { webviewPage, type PageAssets } from './webviewPage';

export function dashboardHtmlTemplate(assets: PageAssets): string {
  const chart = (id: string, title: string, empty: string) => `
      <figure class="chart" data-chart="${id}">
        <figcaption>${title}</figcaption>
        <div class="chart-plot"></div>
        <p class="chart-empty" hidden>${empty}</p>
      </figure>`;
  const card = (metric: string, title: string) => `
      <div class="card" data-metric="${metric}">
        <div class="label">${title}</div>
        <div class="value">–</div>
        <div class="sub"></div>
      </div>`;
  return webviewPage(assets, 'Singularity Dashboard', `
  <header class="header">
    <div class="title">
      <h1>Singularity Dashboard</h1>
      <span id="demo-badge" class="demo-badge" title="No Ollama node was reachable: these numbers come from simulated nodes." hidden>DEMO — simulated nodes</span>
      <span id="summary" class="summary" role="status">Loading…</span>
    </div>
    <div class="actions">
      <label for="period" class="period-label">Period</label>
      <select id="period" class="period" aria-label="Period">
        <option value="today">Today</option>
        <option value="7d" selected>7 days</option>
        <option value="30d">30 days</option>
        <option value="all">All</option>
      </select>
      <vscode-button id="export-csv" secondary icon="export" title="Save the period's requests as CSV">Export CSV</vscode-button>
      <vscode-button id="export-json" secondary icon="json" title="Save the period's requests as JSON">Export JSON</vscode-button>
    </div>
  </header>
  <div id="export-status" class="export-status" role="status" hidden></div>
  <main>
    <section class="cards" aria-label="Headline">${card('tokensSaved', 'Cloud tokens saved')}${card('localShare', 'Served locally')}${card('ttft', 'Time to first token')}${card('acceptance', 'Acceptance rate')}
    </section>

    <section id="empty" class="empty-state" hidden>
      <h2>No requests yet in this period</h2>
      <p>Ask something in the Singularity chat; every request shows up here: which route answered it (this machine, a LAN node or the cloud), how fast, and how many cloud tokens it saved.</p>
      <p>Commands such as "Explain Selected Files" and the <code>singularity</code> CLI are counted too. Pick a longer period above to see older requests.</p>
    </section>

    <section id="history" class="charts" aria-label="History">${chart('routes', 'Requests per route', 'No request in this period.')}${chart('tokensSaved', 'Cloud tokens saved', 'No request in this period.')}${chart('outcomes', 'Outcomes', 'No request in this period.')}${chart('nodeTtft', 'Time to first token per node', 'No Ollama node answered in this period.')}${chart('nodeTps', 'Tokens per second per node', 'No Ollama node answered in this period.')}${chart('learning', 'Learning: local answers accepted, rerouted, thumbs up, gate score', 'No feedback or gate verdict in this period yet.')}
    </section>

    <section class="panel" aria-labelledby="nodes-title">
      <h2 id="nodes-title">Nodes <span class="muted">(live)</span></h2>
      <div class="table-scroll">
        <table id="nodes-table">
          <thead><tr><th>Node</th><th>Health</th><th>Busy / slots</th><th>Queued</th><th>Speed</th><th>TTFT</th><th>Models loaded</th><th>Breaker</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </section>

    <section class="panel" aria-labelledby="router-title">
      <h2 id="router-title">Router</h2>
      <table id="strategies-table">
        <thead><tr><th>Strategy</th><th class="num">Requests</th><th class="num">Share</th></tr></thead>
        <tbody></tbody>
      </table>
      <p class="section-hint" data-section="learnedRouter" hidden></p>
      <div id="learned-router"></div>
    </section>

    <section class="panel" aria-labelledby="learning-title">
      <h2 id="learning-title">Learning</h2>
      <p id="learning-summary" class="learning-summary"></p>
    </section>

    <section class="panel later" aria-label="Coming features">
      <div><h2>Compression</h2><p id="compression-summary" class="section-hint" data-section="compression"></p></div>
      <div><h2>Vision</h2><p class="section-hint" data-section="vision" hidden></p></div>
    </section>
  </main>`);
}

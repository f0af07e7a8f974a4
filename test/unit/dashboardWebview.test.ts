// The dashboard webview in a real Chromium, without VS Code: the bundle is built here with esbuild.mjs's
// options, served from 127.0.0.1 inside the page dashboardHtmlTemplate produces (same markup, same CSP),
// and acquireVsCodeApi is stubbed so posted messages can be read and DashboardHostMessages dispatched.
// The data is a typed fixture (not src/core/metrics), so this tests the rendering only.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardData } from '../../src/shared/dashboard';
import { emptyData, fastOutlierData, firstSessionData, HINTS, liveNodes, routerStatus, sampleData } from '../fixtures/dashboardData';
import type { DashboardHostMessage, DashboardWebviewMessage } from '../../src/shared/protocol';
import { dashboardHtmlTemplate } from '../../src/vscode/dashboardHtml';
import { artifactPath, startWebview, type WebviewUnderTest } from './webviewBrowser';

const CHARTS = ['routes', 'tokensSaved', 'outcomes', 'nodeTtft', 'nodeTps', 'learning'] as const;


/** A few Dark Modern colours, standing in for the variables VS Code injects on <html>. */
const THEME_STYLE = `
  html {
    --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-font-weight: normal;
    --vscode-editor-font-family: monospace;
    --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
    --vscode-editorWidget-background: #202020; --vscode-widget-border: #313131; --vscode-panel-border: #2b2b2b;
    --vscode-focusBorder: #0078d4; --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff;
    --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
    --vscode-dropdown-background: #313131; --vscode-dropdown-foreground: #cccccc; --vscode-dropdown-border: #3c3c3c;
    --vscode-statusBarItem-warningBackground: #7a6400; --vscode-statusBarItem-warningForeground: #ffffff;
    --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8; --vscode-errorForeground: #f85149;
    --vscode-textBlockQuote-background: #2b2b2b; --vscode-textBlockQuote-border: #616161;
    --vscode-charts-foreground: #cccccc; --vscode-charts-lines: rgba(204, 204, 204, 0.5);
    --vscode-charts-red: #f14c4c; --vscode-charts-blue: #3794ff; --vscode-charts-yellow: #cca700;
    --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7;
  }`;

type TestWindow = Window & { __posted: DashboardWebviewMessage[]; __csp: string[]; __errors: string[] };

let web: WebviewUnderTest;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  web = await startWebview({ name: 'dashboard', template: dashboardHtmlTemplate, themeStyle: THEME_STYLE, bodyClass: 'vscode-dark' });
}, 60_000);

afterAll(async () => {
  await web?.close();
});

beforeEach(async () => {
  await page?.close();
  page = await web.newPage({ width: 1200, height: 1400 });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await expect.poll(() => posted()).toContainEqual({ type: 'ready' });
});

describe('dashboard webview', () => {
  it('posts ready on load and shows a loading summary', async () => {
    expect(await posted()).toEqual([{ type: 'ready' }]);
    expect(await page.textContent('#summary')).toBe('Loading…');
  });

  it('shows the headline numbers, formatted, in the cards', async () => {
    await host(dataMessage(sampleData()));
    await expect.poll(() => cardValue('tokensSaved')).toBe('48,210');
    expect(await page.textContent('.card[data-metric="tokensSaved"] .sub')).toBe('≈ $0.31 at your cloud price');
    expect(await cardValue('localShare')).toBe('83%');
    expect(await cardValue('ttft')).toBe('412 ms');
    expect(await cardValue('acceptance')).toBe('94%');
    expect(await page.textContent('#summary')).toMatch(/^126 requests · the last 7 days · updated /);
    expect(await page.getAttribute('.card[data-metric="tokensSaved"]', 'data-raw')).toBe('48210');
  });

  it('draws every chart on a canvas, with a legend per series', async () => {
    await host(dataMessage(sampleData()));
    for (const id of CHARTS) await page.locator(`.chart[data-chart="${id}"] canvas`).waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(CHARTS.length);
    expect(await page.locator('.chart[data-chart="routes"] .u-legend .u-series').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('local'), expect.stringContaining('lan'), expect.stringContaining('cloud')]),
    );
    expect(await page.locator('.chart[data-chart="nodeTps"] .u-legend .u-series').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('this machine'), expect.stringContaining('gpu-box')]),
    );
    expect(await page.isHidden('.empty-state')).toBe(true);
  });

  it('lists the live nodes with health, slots, queue, speed, TTFT, loaded models and breaker', async () => {
    await host(dataMessage(sampleData()));
    const rows = page.locator('#nodes-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cells = async (i: number) => (await rows.nth(i).locator('td').allInnerTexts()).map((t) => t.trim());
    expect(await cells(0)).toEqual(['this machine local', 'up', '1/2', '0', '52.3 tok/s', '88 ms', 'llama3.2:latest', 'healthy']);
    expect(await cells(1)).toEqual(['gpu-box lan', 'down', '0/4', '2', '–', '–', '–', 'cooling down for 20 s after repeated failures']);
    expect(await rows.nth(1).locator('td').nth(1).getAttribute('title')).toBe('connect ECONNREFUSED 192.168.1.20:11434');
  });

  it('plots the learning series and sums up what the gate, the feedback and the example library did', async () => {
    await host(dataMessage(sampleData()));
    await expect.poll(() => page.locator('.chart[data-chart="learning"] canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#learning-summary').textContent()).toBe(
      'Local answers accepted: 85% of 40 with a verdict · rerouted: 6 (4 by the quality gate, of 50 scored) · thumbs 9 up / 3 down · examples: 7 in use (2 promoted), 1 retired; 3 added and 17 uses in this period',
    );
  });

  it('shows the router strategies and the hints of sections still to come', async () => {
    const data = sampleData();
    await host(dataMessage(data));
    await expect.poll(() => page.locator('#strategies-table tbody tr').count()).toBe(1);
    expect(await page.locator('#strategies-table tbody td').allInnerTexts()).toEqual(['rule', '126', '100%']);
    for (const [section, hint] of [
      ['learnedRouter', data.learnedRouter.hint],
      ['compression', HINTS.compression.hint],
      ['vision', data.vision.hint],
    ] as const) {
      const el = page.locator(`.section-hint[data-section="${section}"]`);
      expect(await el.isVisible()).toBe(true);
      expect(await el.textContent()).toBe(hint);
    }
  });

  it('shows the learned router: model, threshold, A/B arms with intervals, in place of its hint', async () => {
    await host({ ...dataMessage(sampleData()), router: routerStatus() } as DashboardHostMessage);
    await expect.poll(() => page.locator('#ab-table tbody tr').count()).toBe(3);
    expect(await page.textContent('[data-field="model"]')).toContain('shipped model, trained on mmlu_gsm8k.jsonl');
    expect(await page.textContent('[data-field="threshold"]')).toContain('p_cloud ≥ 0.420');
    expect(await page.textContent('[data-field="share"]')).toBe('Cloud share: target 30% · realized 31% over the last 100');
    expect(await page.textContent('[data-field="signals"]')).toContain('prior 60%, your questions 40%');
    expect(await page.textContent('[data-field="meaning"]')).toBe('Routing without the meaning of questions: the sentence encoder stopped: exit code 1');
    expect(await page.locator('#ab-table tr[data-arm="ml"] td').allInnerTexts()).toEqual(['ml', '120', '31%', '35 ± 9', '91.7 ± 5.0%', '900 ± 50 ms']);
    expect(await page.locator('.section-hint[data-section="learnedRouter"]').isVisible()).toBe(false);
  });

  it('shows why routing fell back, as text (a hostile path cannot inject markup)', async () => {
    const fallback = 'no model could be loaded, routing by the heuristic: <img src=x onerror=alert(1)>.onnx is not a valid ONNX file';
    await host({ ...dataMessage(sampleData()), router: { ...routerStatus(), model: undefined, fallback } } as DashboardHostMessage);
    await page.locator('[data-field="fallback"]').waitFor();
    expect(await page.textContent('[data-field="fallback"]')).toBe(`Fallback: ${fallback}`);
    expect(await page.locator('#learned-router img').count()).toBe(0);
  });

  it('shows the empty state, not the charts, when the period has no request', async () => {
    await page.selectOption('#period', 'today');
    await host(dataMessage(emptyData()));
    await page.locator('.empty-state').waitFor();
    expect(await page.textContent('.empty-state')).toContain('Ask something in the Singularity chat; every request shows up here');
    expect(await page.isHidden('.chart[data-chart="routes"]')).toBe(true);
    expect(await cardValue('tokensSaved')).toBe('0');
    expect(await cardValue('localShare')).toBe('–');
    expect(await page.textContent('#summary')).toMatch(/^0 requests · today/);
    // The live nodes are still listed.
    expect(await page.locator('#nodes-table tbody tr').count()).toBe(2);

    await host(dataMessage(sampleData('today')));
    await page.locator('.chart[data-chart="routes"] canvas').waitFor();
    expect(await page.isHidden('.empty-state')).toBe(true);
  });

  it('posts setPeriod when the period changes, and remembers it across a reload', async () => {
    await page.selectOption('#period', '30d');
    await page.selectOption('#period', 'all');
    expect(await postedOfType('setPeriod')).toEqual([
      { type: 'setPeriod', period: '30d' },
      { type: 'setPeriod', period: 'all' },
    ]);
    // Data for a period the user has left is not shown.
    await host(dataMessage(sampleData('7d')));
    await host(dataMessage(sampleData('all')));
    await expect.poll(() => page.textContent('#summary')).toMatch(/ · all time · /);

    await page.reload();
    await expect.poll(() => posted()).toContainEqual({ type: 'setPeriod', period: 'all' });
    expect(await page.inputValue('#period')).toBe('all');
  });

  it('posts export for CSV and JSON, and shows where the file went', async () => {
    await host(dataMessage(sampleData()));
    await page.click('#export-csv');
    await page.click('#export-json');
    expect(await postedOfType('export')).toEqual([
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'json' },
    ]);
    await host({ type: 'exported', format: 'csv', path: '/home/me/project/singularity-metrics-7d.csv', rows: 126 });
    await page.locator('#export-status').waitFor();
    expect(await page.textContent('#export-status')).toBe('Exported 126 requests (CSV) to /home/me/project/singularity-metrics-7d.csv');
  });

  it('shows the DEMO badge only for demo data', async () => {
    await host(dataMessage(sampleData(), true));
    await page.locator('.demo-badge').waitFor();
    expect(await page.textContent('.demo-badge')).toContain('DEMO');
    await host(dataMessage(sampleData(), false));
    await page.locator('.demo-badge').waitFor({ state: 'hidden' });
  });

  it('updates in place when new data arrives (live update)', async () => {
    await host(dataMessage(sampleData()));
    await expect.poll(() => cardValue('tokensSaved')).toBe('48,210');
    await page.locator('.chart[data-chart="routes"] canvas').waitFor();
    await page.evaluate(() => document.querySelector('.chart[data-chart="routes"] canvas')!.setAttribute('data-before', ''));
    const more = sampleData();
    more.headline = { ...more.headline, requests: 127, cloudTokensSaved: 48_650 };
    await host(dataMessage(more));
    await expect.poll(() => cardValue('tokensSaved')).toBe('48,650');
    expect(await page.textContent('#summary')).toMatch(/^127 requests/);
    expect(await page.locator('.chart canvas').count()).toBe(CHARTS.length);
    // Same series, same theme: the plot got the new data, it was not rebuilt (no flicker).
    expect(await page.locator('.chart[data-chart="routes"] canvas[data-before]').count()).toBe(1);
  });

  it('redraws the charts in the new colours when the theme changes', async () => {
    await host(dataMessage(sampleData()));
    const canvas = page.locator('.chart[data-chart="routes"] canvas');
    await canvas.waitFor();
    const before = await canvasPixels('routes');

    await page.evaluate(() => {
      const html = document.documentElement;
      for (const [name, value] of Object.entries({
        '--vscode-foreground': '#3b3b3b',
        '--vscode-editor-background': '#ffffff',
        '--vscode-editorWidget-background': '#f8f8f8',
        '--vscode-charts-green': '#388a34',
        '--vscode-charts-blue': '#1a85ff',
        '--vscode-charts-orange': '#d18616',
        '--vscode-charts-lines': 'rgba(59, 59, 59, 0.5)',
      })) html.style.setProperty(name, value);
      document.body.classList.remove('vscode-dark');
      document.body.classList.add('vscode-light');
    });
    await expect.poll(() => canvasPixels('routes')).not.toBe(before);
    expect(await page.locator('.chart canvas').count()).toBe(CHARTS.length);
    expect(await page.evaluate(() => (window as unknown as TestWindow).__errors)).toEqual([]);
    await page.screenshot({ path: artifactPath('dashboard-webview-light.png'), fullPage: true });
  });

  it('resizes the charts with the panel', async () => {
    await host(dataMessage(sampleData()));
    const canvas = page.locator('.chart[data-chart="routes"] canvas');
    await canvas.waitFor();
    /** Canvas width minus the width of the chart's box: near 0 when the chart fills it. */
    const slack = () =>
      page.evaluate(() => {
        const chart = document.querySelector<HTMLElement>('.chart[data-chart="routes"]')!;
        const style = getComputedStyle(chart);
        const inner = chart.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return Math.round(inner - chart.querySelector('canvas')!.getBoundingClientRect().width);
      });
    const widths: number[] = [];
    for (const width of [1200, 480, 900, 1600]) {
      await page.setViewportSize({ width, height: 1400 });
      await expect.poll(async () => Math.abs(await slack())).toBeLessThanOrEqual(4);
      widths.push(Math.round((await canvas.boundingBox())!.width));
    }
    expect(new Set(widths).size).toBeGreaterThan(2);
  });

  it('draws requests that all fall in one bucket as bars, not as a ramp from zero', async () => {
    await host(dataMessage(firstSessionData()));
    for (const id of CHARTS) await page.locator(`.chart[data-chart="${id}"] canvas`).waitFor();
    expect(await drawnAs()).toEqual(Object.fromEntries(CHARTS.map((id) => [id, 'bars'])));
    await page.screenshot({ path: artifactPath('dashboard-webview-one-bucket.png'), fullPage: true });
  });

  it('draws a period with data in many buckets as lines, tokens saved as bars', async () => {
    await host(dataMessage(sampleData()));
    for (const id of CHARTS) await page.locator(`.chart[data-chart="${id}"] canvas`).waitFor();
    expect(await drawnAs()).toEqual({ routes: 'lines', tokensSaved: 'bars', outcomes: 'lines', nodeTtft: 'lines', nodeTps: 'lines', learning: 'lines' });
  });

  it('puts node speed on a log axis when one node is ten times faster than another', async () => {
    await host(dataMessage(sampleData()));
    await page.locator('.chart[data-chart="nodeTps"] canvas').waitFor();
    expect(await page.getAttribute('.chart[data-chart="nodeTps"]', 'data-scale')).toBe('linear');

    await host(dataMessage(fastOutlierData()));
    await expect.poll(() => page.getAttribute('.chart[data-chart="nodeTps"]', 'data-scale')).toBe('log');
    expect(await page.getAttribute('.chart[data-chart="nodeTtft"]', 'data-scale')).toBe('linear');
    expect(await page.getAttribute('.chart[data-chart="routes"]', 'data-scale')).toBe('linear');
    await page.locator('.chart[data-chart="nodeTps"]').screenshot({ path: artifactPath('dashboard-webview-node-speed-log.png') });
  });

  it('runs under the CSP without violations (uPlot, lit and the bundled CSS included)', async () => {
    await host(dataMessage(sampleData(), true));
    for (const id of CHARTS) await page.locator(`.chart[data-chart="${id}"] canvas`).waitFor();
    await page.hover('.chart[data-chart="routes"] .u-over', { position: { x: 200, y: 80 } });
    // uPlot's stylesheet applied (it came through the bundled dashboard.css, not an inline <style>).
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.chart .u-legend')!).textAlign)).toBe('center');
    // The button's inner layout comes only from lit's adopted stylesheet, so this proves it applied.
    const innerDisplay = await page.evaluate(() => getComputedStyle(document.querySelector('#export-csv')!.shadowRoot!.querySelector('.base')!).display);
    expect(innerDisplay).toBe('flex');
    expect(await page.evaluate(() => (window as unknown as TestWindow).__csp)).toEqual([]);
    expect(web.cspConsoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: artifactPath('dashboard-webview.png'), fullPage: true });
  });
});




async function host(message: DashboardHostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function posted(): Promise<DashboardWebviewMessage[]> {
  return page.evaluate(() => (window as unknown as TestWindow).__posted);
}

async function postedOfType(type: DashboardWebviewMessage['type']): Promise<DashboardWebviewMessage[]> {
  return (await posted()).filter((m) => m.type === type);
}

async function cardValue(metric: string): Promise<string | null> {
  return page.textContent(`.card[data-metric="${metric}"] .value`);
}

/** How each chart drew its data: 'bars' or 'lines'. */
async function drawnAs(): Promise<Record<string, string | undefined>> {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('.chart[data-chart]')].map((el) => [el.dataset.chart!, el.dataset.draw])));
}

/** The chart's pixels, to tell two drawings apart. */
async function canvasPixels(chart: string): Promise<string> {
  return page.evaluate((id) => document.querySelector<HTMLCanvasElement>(`.chart[data-chart="${id}"] canvas`)!.toDataURL(), chart);
}

function dataMessage(data: DashboardData, demo = false): DashboardHostMessage {
  return { type: 'data', data, live: liveNodes(), demo };
}

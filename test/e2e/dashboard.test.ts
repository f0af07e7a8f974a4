// The dashboard tab in a real VS Code (code-server): two questions answered by a loopback Ollama fixture
// show up as numbers and charts (bars, since they all fall in one bucket), a third one updates the open
// dashboard without a reload, and an OCR answer is named apart from the node called "this machine".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';
import { renderCode } from '../fixtures/renderCode';

let editor: Editor;
let node: FakeServer;
let chat: FrameLocator;
let dashboard: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], tokensPerSecond: 400, label: 'dashboard e2e node' });
  editor = await launchEditor({
    name: 'dashboard',
    settings: {
      // The default node's name, which OCR answers used to share.
      'singularity.nodes': [{ name: 'this machine', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
      'singularity.demoMode': 'never',
    },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

const finishedAnswers = () => chat.locator('.msg.assistant:not(.streaming)');

async function ask(text: string): Promise<void> {
  const before = await finishedAnswers().count();
  await sendInChat(chat, text);
  await finishedAnswers().nth(before).waitFor({ timeout: 20_000 });
  expect(await finishedAnswers().nth(before).locator('.error').count()).toBe(0);
}


const tokensSaved = async () => Number((await dashboard.locator('.card[data-metric="tokensSaved"]').getAttribute('data-raw')) || 0);
const requestCount = async () => Number((await dashboard.locator('#summary').getAttribute('data-requests')) || 0);

describe('dashboard tab in VS Code', () => {
  it('counts two answered questions: tokens saved and a routes chart', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await ask('What is a closure?');
    await ask('Explain promises briefly');

    const opened = Date.now();
    await editor.runCommand('Singularity: Open Dashboard');
    dashboard = await editor.webviewFrame('#period');
    await dashboard.locator('.chart[data-chart="routes"] canvas').waitFor({ timeout: 20_000 });
    console.log(`[e2e] dashboard opened and drawn in ${Date.now() - opened} ms`);
    await editor.page.locator('.tab').filter({ hasText: 'Singularity Dashboard' }).first().waitFor();

    expect(await requestCount()).toBe(2);
    expect(await tokensSaved()).toBeGreaterThan(0);
    const shown = await dashboard.locator('.card[data-metric="tokensSaved"] .value').innerText();
    expect(Number(shown.replace(/[^\d.]/g, ''))).toBeGreaterThan(0);
    expect(await dashboard.locator('.card[data-metric="localShare"] .value').innerText()).toBe('100%');
    expect(await dashboard.locator('.card[data-metric="ttft"] .value').innerText()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    expect(await dashboard.locator('.empty-state').isHidden()).toBe(true);
    expect(await dashboard.locator('.demo-badge').isHidden()).toBe(true);
    for (const id of ['tokensSaved', 'outcomes', 'nodeTtft', 'nodeTps']) {
      expect(await dashboard.locator(`.chart[data-chart="${id}"] canvas`).count()).toBe(1);
    }
    const nodeRow = dashboard.locator('#nodes-table tbody tr[data-node="this machine"]');
    await nodeRow.waitFor();
    expect(await nodeRow.locator('td').nth(1).innerText()).toBe('up');
    await editor.screenshot('dashboard');
  });

  it('draws requests that all fall in the current bucket as bars, not as a ramp from zero', async () => {
    for (const id of ['routes', 'tokensSaved', 'outcomes', 'nodeTtft', 'nodeTps']) {
      expect(await dashboard.locator(`.chart[data-chart="${id}"]`).getAttribute('data-draw')).toBe('bars');
    }
  });

  it('updates the open dashboard live when another question is answered', async () => {
    const [requestsBefore, savedBefore] = [await requestCount(), await tokensSaved()];
    const started = Date.now();
    await ask('And async iterators?');
    await expect.poll(requestCount, { timeout: 10_000 }).toBe(requestsBefore + 1);
    expect(await tokensSaved()).toBeGreaterThan(savedBefore);
    console.log(`[e2e] live update ${Date.now() - started} ms after the question was sent`);
    expect(await dashboard.locator('.chart[data-chart="routes"] canvas').count()).toBe(1);
    await editor.screenshot('dashboard-live-update');
  });

  it('switches the period from the selector', async () => {
    await dashboard.locator('#period').selectOption('today');
    await expect.poll(() => dashboard.locator('#summary').innerText(), { timeout: 10_000 }).toMatch(/^3 requests · today/);
  });

  it('shows an OCR answer under its own name, apart from the node called "this machine"', async () => {
    const png = renderCode('const answer = compute(42);', { px: 18, theme: 'light' }).toString('base64');
    await chat.locator('#input').evaluate((input, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'code.png', { type: 'image/png' }));
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, png);
    await chat.locator('#attachment-list img').first().waitFor();
    await ask('Extract the text');
    expect(await finishedAnswers().last().locator('.meta').innerText()).toContain('this editor host (OCR)');

    const legend = dashboard.locator('.chart[data-chart="nodeTtft"] .u-legend .u-series');
    await expect.poll(() => legend.allInnerTexts(), { timeout: 10_000 }).toEqual(
      expect.arrayContaining([expect.stringContaining('this machine'), expect.stringContaining('this editor host (OCR)')]),
    );
    await editor.screenshot('dashboard-ocr-named-apart');
  });

  it('left no errors from the dashboard in the console', async () => {
    const errors = editor.consoleErrors().filter((e) => /dashboard|uPlot|Content Security Policy/i.test(e));
    expect(errors).toEqual([]);
  });
});

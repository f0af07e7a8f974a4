// A newcomer without Ollama: demo mode starts simulated nodes, clearly labelled, and the panel works; stopping
// the demo discards what was done in it, so the dashboard shows only real requests again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';

let editor: Editor;
let chat: FrameLocator;
let dashboard: FrameLocator;
let node: FakeServer | undefined;

const requestCount = async () => Number((await dashboard.locator('#summary').getAttribute('data-requests')) || 0);

beforeAll(async () => {
  // Port 9 (discard) has no Ollama: the configured node is unreachable, as on a fresh machine.
  editor = await launchEditor({
    name: 'demo',
    env: { SINGULARITY_DEMO: '1' },
    settings: { 'singularity.nodes': [{ name: 'missing', baseUrl: 'http://127.0.0.1:9', tier: 'local' }] },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

describe('demo mode', () => {
  it('starts simulated nodes when no Ollama is reachable and says so everywhere', async () => {
    await editor.page.locator('.part.statusbar').getByText(/DEMO 2\/2 nodes/).waitFor({ timeout: 30_000 });
    await editor.openChatView();
    chat = await editor.chatFrame();
    await chat.locator('.demo-badge').waitFor();
    await sendInChat(chat, 'How do I reverse a list in Python?');
    const answer = chat.locator('.msg.assistant:not(.streaming)').last();
    await answer.locator('.meta').filter({ hasText: /simulated/ }).waitFor({ timeout: 30_000 });
    expect(await answer.locator('.content').innerText()).toMatch(/simulated/i);
    await editor.screenshot('demo-mode');
  });

  it('shows the demo request on the dashboard while the demo runs, marked DEMO', async () => {
    const answer = chat.locator('.msg.assistant:not(.streaming)').last();
    await answer.locator('.feedback-button[data-value="1"]').click();
    await answer.locator('.feedback[data-saved="1"]').waitFor();
    await editor.runCommand('Singularity: Open Dashboard');
    dashboard = await editor.webviewFrame('#period');
    await expect.poll(requestCount, { timeout: 20_000 }).toBe(1);
    expect(await dashboard.locator('.demo-badge').isVisible()).toBe(true);
  });

  it('discards the demo when it is stopped: the dashboard, the panel and the examples show no demo data', async () => {
    await editor.runCommand('Singularity: Stop Demo Mode (discard its data)');
    await editor.page.locator('.notification-toast').filter({ hasText: /demo mode ended by command/ }).waitFor({ timeout: 20_000 });
    await expect.poll(requestCount, { timeout: 20_000 }).toBe(0);
    await dashboard.locator('.demo-badge').waitFor({ state: 'hidden' });
    const nodes = editor.page.locator('.part.statusbar').getByText(/0\/1 nodes/);
    await nodes.waitFor({ timeout: 20_000 });
    expect(await nodes.innerText()).not.toMatch(/DEMO/);
    await editor.screenshot('demo-stopped-dashboard');

    await editor.openChatView();
    await chat.locator('.demo-badge').waitFor({ state: 'hidden' });
    expect(await chat.locator('.msg').count()).toBe(0);

    await editor.runCommand('Singularity: Manage Few-Shot Examples');
    await editor.page.locator('.quick-input-widget').getByPlaceholder(/No examples yet/).waitFor();
    await editor.page.keyboard.press('Escape');
  });

  it('ends a demo started from the palette once the user adds an Ollama node, and routes to the configured nodes', async () => {
    await editor.runCommand('Singularity: Start Demo Mode (simulated nodes)');
    await editor.page.locator('.part.statusbar').getByText(/DEMO 2\/2 nodes/).waitFor({ timeout: 30_000 });
    node = await startFakeOllama({ models: ['llama3.2:latest'], label: 'demo e2e real node' });
    const page = editor.page;
    await editor.runCommand('Singularity: Add Ollama Node');
    await page.locator('.quick-input-widget input').fill(node.url);
    await page.locator('.quick-input-widget input').press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'llama3.2:latest' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'this machine' }).click();
    await editor.page.locator('.notification-toast').filter({ hasText: /demo mode ended because Ollama nodes were configured/ }).waitFor({ timeout: 30_000 });
    // The missing node of the settings and the added one: no simulated node is left.
    const nodes = editor.page.locator('.part.statusbar').getByText(/1\/2 nodes/);
    await nodes.waitFor({ timeout: 20_000 });
    expect(await nodes.innerText()).not.toMatch(/DEMO/);

    // The open dashboard follows the real requests again: a real answer shows up live, the demo's do not.
    await editor.openChatView();
    await sendInChat(chat, 'What is a closure?');
    await chat.locator('.msg.assistant:not(.streaming)').last().waitFor({ timeout: 30_000 });
    await expect.poll(requestCount, { timeout: 20_000 }).toBe(1);
    expect(await dashboard.locator('.demo-badge').isHidden()).toBe(true);
  });
});

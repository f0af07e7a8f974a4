// A newcomer without Ollama: demo mode starts simulated nodes, clearly labelled, and the panel works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchEditor, type Editor } from './harness';

let editor: Editor;

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
});

describe('demo mode', () => {
  it('starts simulated nodes when no Ollama is reachable and says so everywhere', async () => {
    await editor.page.locator('.part.statusbar').getByText(/DEMO 2\/2 nodes/).waitFor({ timeout: 30_000 });
    await editor.openChatView();
    const chat = await editor.chatFrame();
    await chat.locator('.demo-badge').waitFor();
    await chat.locator('#input').fill('How do I reverse a list in Python?');
    await chat.locator('#input').press('Enter');
    const answer = chat.locator('.msg.assistant:not(.streaming)').last();
    await answer.locator('.meta').filter({ hasText: /simulated/ }).waitFor({ timeout: 30_000 });
    expect(await answer.locator('.content').innerText()).toMatch(/simulated/i);
    await editor.screenshot('demo-mode');
  });
});

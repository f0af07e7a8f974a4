// The learned router in a real VS Code (code-server): a loopback Ollama node and a loopback OpenAI-style
// cloud, so every request has a choice. Thumbs and "Ask the cloud" in the panel, feedback kept across a
// reload, the Retrain Router command from the palette, and the router panel of the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { nodeFirstSettings } from './nodeFirst';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../fixtures';

let editor: Editor;
let node: FakeServer;
let cloud: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], tokensPerSecond: 400, label: 'router e2e node', reply: () => 'Answer from the node.' });
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], tokensPerSecond: 400, reply: () => 'Answer from the cloud.' });
  editor = await launchEditor({
    name: 'router',
    settings: nodeFirstSettings(node, cloud),
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
  await cloud?.close();
});

const answers = () => chat.locator('.msg.assistant:not(.streaming)');

async function ask(text: string): Promise<void> {
  const before = await answers().count();
  await sendInChat(chat, text);
  await answers().nth(before).waitFor({ timeout: 20_000 });
}

describe('learned router in VS Code', () => {
  it('routes a new user by the prior and says so under the answer', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await ask('What is a closure?');
    const answer = answers().last();
    expect(await answer.locator('.content').innerText()).toContain('Answer from the node.');
    expect(await answer.locator('.meta').getAttribute('title')).toMatch(/^prior: p_cloud \d\.\d\d/);
  });

  it('"Ask the cloud" sends the same question to the cloud and shows its answer', async () => {
    await answers().last().locator('.reroute-answer').click();
    await answers().nth(1).waitFor({ timeout: 20_000 });
    expect(await answers().nth(1).locator('.content').innerText()).toContain('Answer from the cloud.');
    expect(await answers().nth(1).locator('.reroute-answer').count()).toBe(0);
    const asked = cloud.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked[0]!.body)).toContain('What is a closure?');
  });

  it('keeps a thumbs-down across a window reload', async () => {
    await answers().first().locator('.feedback-button[data-value="-1"]').click();
    // The host confirms once the feedback is on disk.
    await answers().first().locator('.feedback[data-saved="-1"]').waitFor();
    await editor.reload();
    await editor.openChatView();
    chat = await editor.chatFrame();
    await answers().first().waitFor();
    await expect.poll(() => answers().first().locator('.feedback-button[data-value="-1"]').getAttribute('aria-pressed')).toBe('true');
  });

  it('Retrain Router from the palette reports what it did with the feedback so far', async () => {
    await editor.runCommand('Singularity: Retrain Router');
    await editor.page.locator('.notification-toast').filter({ hasText: /Singularity router: not retrained: 1 answer with a label so far, 40 needed/ }).waitFor({ timeout: 20_000 });
  });

  it('shows the active model and the A/B arms on the dashboard', async () => {
    await editor.runCommand('Singularity: Open Dashboard');
    const dashboard = await editor.webviewFrame('#period');
    await dashboard.locator('#learned-router [data-field="model"]').waitFor({ timeout: 20_000 });
    expect(await dashboard.locator('#learned-router [data-field="mode"]').innerText()).toBe('Mode: learned model');
    expect(await dashboard.locator('#learned-router [data-field="model"]').innerText()).toMatch(/^Model: shipped model, trained on mmlu_gsm8k\.jsonl/);
    expect(await dashboard.locator('#ab-table tbody tr').count()).toBe(3);
    await editor.screenshot('router-dashboard');
  });
});

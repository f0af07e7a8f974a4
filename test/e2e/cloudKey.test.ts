// A cloud key that stops working, in a real VS Code (code-server): the router sends every question to the
// cloud first (cloud share 100%), the cloud fixture starts refusing the stored key (HTTP 401) and the node
// answers instead. The panel header and the status bar say the key was rejected, one notification offers
// "Set Cloud API Key", and setting a good key through it clears both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { cloudFirstSettings } from './nodeFirst';
import { startFakeOllama, startFakeOpenAI, type FakeOpenAIOptions, type FakeServer } from '../fixtures';

const OLD_KEY = 'sk-e2e-old-key-1234';
const NEW_KEY = 'sk-e2e-new-key-5678';

let editor: Editor;
let node: FakeServer;
let cloud: FakeServer<FakeOpenAIOptions>;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest'], tokensPerSecond: 400, label: 'key e2e node' });
  // No key required yet: the old key is accepted when it is set, then revoked.
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], tokensPerSecond: 400, reply: () => 'Answer from the cloud.' });
  editor = await launchEditor({ name: 'cloud-key', settings: cloudFirstSettings(node, cloud) });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
  await cloud?.close();
});

const finishedAnswers = () => chat.locator('.msg.assistant:not(.streaming)');
const rejectionToasts = () => editor.page.locator('.notification-toast').filter({ hasText: 'rejected the API key' });
const keyStatusItem = () => editor.page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Cloud key rejected' });

async function ask(text: string): Promise<string> {
  const before = await finishedAnswers().count();
  await sendInChat(chat, text);
  const answer = finishedAnswers().nth(before);
  await answer.waitFor({ timeout: 20_000 });
  return answer.locator('.meta').innerText();
}

async function setKey(key: string): Promise<void> {
  const page = editor.page;
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'e2e-cloud' }).click();
  await page.locator('.quick-input-widget input[type="password"]').waitFor();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.locator('.notification-toast').filter({ hasText: 'API key for e2e-cloud saved' }).first().waitFor();
}

describe('a rejected cloud key in VS Code', () => {
  it('answers from the cloud while its key is good', async () => {
    await editor.runCommand('Singularity: Set Cloud API Key');
    await setKey(OLD_KEY);
    chat = await openChatShowing(editor, '1/1 nodes · cloud ✓');
    expect(await ask('What is a closure?')).toMatch(/cloud.*e2e-cloud/s);
  });

  it('shows the rejected key in the header and the status bar when a node answers in its place', async () => {
    cloud.setOptions({ apiKey: NEW_KEY });
    expect(await ask('Explain promises briefly')).toMatch(/local.*e2e-node/s);
    await chat.locator('#status').filter({ hasText: '1/1 nodes · cloud ✗ key rejected' }).waitFor();
    expect(await chat.locator('#status').getAttribute('title')).toContain('e2e-cloud" rejected the API key (HTTP 401)');
    await keyStatusItem().waitFor();
    await editor.screenshot('cloud-key-rejected');
  });

  it('notifies once per rejection, with "Set Cloud API Key"', async () => {
    await rejectionToasts().first().waitFor();
    expect(await ask('And async iterators?')).toMatch(/local.*e2e-node/s);
    expect(await rejectionToasts().count()).toBe(1);
    expect(await rejectionToasts().getByRole('button', { name: 'Set Cloud API Key' }).count()).toBe(1);
  });

  it('clears the mark once a new key is set from the notification', async () => {
    await rejectionToasts().getByRole('button', { name: 'Set Cloud API Key' }).click();
    await setKey(NEW_KEY);
    await chat.locator('#status').filter({ hasText: '1/1 nodes · cloud ✓' }).waitFor();
    await keyStatusItem().waitFor({ state: 'detached' });
    expect(await ask('What is a generator?')).toMatch(/cloud.*e2e-cloud/s);
  });
});

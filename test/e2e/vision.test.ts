// Images in a real VS Code (code-server): the explorer's "Explain Screenshot" appears on image files only
// and opens the panel with the image and a streamed answer from the node's vision model; an image pasted
// into the message box shows as a removable thumbnail and is sent with the question.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';
import { renderCode } from '../fixtures/renderCode';

const ERROR_TEXT = "TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList (src/components/TodoList.tsx:14:22)";
const VISION_REPLY =
  'The TypeError is thrown in renderList (TodoList.tsx, line 14): it calls map on properties that are undefined. ' +
  Array.from({ length: 30 }, (_, i) => `detail${i}`).join(' ') +
  ' Initialise the list to an empty array.';

let editor: Editor;
let node: FakeServer;
let chat: FrameLocator;

const visionCalls = () =>
  node.requests.filter((r) => r.path === '/api/chat' && (r.body as { model: string }).model.startsWith('moondream'));
const imagesOf = (body: unknown) => (body as { messages: { images?: string[] }[] }).messages.at(-1)!.images ?? [];

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest', 'moondream:latest'], tokensPerSecond: 30, reply: () => VISION_REPLY });
  editor = await launchEditor({
    name: 'vision',
    settings: {
      'singularity.nodes': [{ name: 'vision-node', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
      'singularity.demoMode': 'never',
    },
    // In the workspace before the editor starts: a file written after depends on the file watcher to appear in
    // the explorer, which under load it sometimes did not within the test's wait.
    workspaceFiles: { 'README.md': '# e2e\n', 'notes.md': 'Some notes.\n', 'error.png': renderCode(ERROR_TEXT, { px: 16, theme: 'dark' }) },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

async function contextMenuOf(file: string) {
  const page = editor.page;
  const item = page.getByRole('treeitem', { name: file });
  await item.waitFor({ timeout: 15_000 });
  await item.click({ button: 'right' });
  const menu = page.locator('.monaco-menu');
  await menu.getByRole('menuitem').first().waitFor();
  return menu;
}

describe('images in VS Code', () => {
  it('offers "Explain Screenshot" in the explorer menu of an image, not of other files', async () => {
    const page = editor.page;
    let menu = await contextMenuOf('notes.md');
    expect(await menu.getByRole('menuitem', { name: /Explain Screenshot/ }).count()).toBe(0);
    await page.keyboard.press('Escape');

    menu = await contextMenuOf('error.png');
    await menu.getByRole('menuitem', { name: /Explain Screenshot/ }).waitFor();
    await editor.screenshot('vision-explorer-menu');
    await page.keyboard.press('Escape');
  });

  it('opens the panel with the image and streams the analysis from the vision model', async () => {
    const page = editor.page;
    const menu = await contextMenuOf('error.png');
    const item = menu.getByRole('menuitem', { name: /Explain Screenshot/ });
    await item.hover();
    await page.waitForTimeout(100); // an immediate click on a just-opened menu is ignored (vscode-e2e.md)
    await item.click();

    chat = await editor.chatFrame();
    await chat.locator('.msg.user .sent-images img').waitFor({ timeout: 20_000 });
    expect(await chat.locator('.msg.user .content').last().innerText()).toBe('Explain this screenshot.');
    const streaming = chat.locator('.msg.assistant.streaming .content').filter({ hasText: 'The TypeError' });
    await streaming.waitFor({ timeout: 30_000 });
    expect((await streaming.innerText()).length).toBeLessThan(VISION_REPLY.length);
    await editor.screenshot('vision-explain-streaming');
    const done = chat.locator('.msg.assistant:not(.streaming)').filter({ hasText: 'Initialise the list' });
    await done.waitFor({ timeout: 30_000 });
    const meta = await done.locator('.meta').innerText();
    expect(meta).toMatch(/vision-node/);
    expect(meta).toMatch(/moondream/);
    expect(meta).toMatch(/image: error/);

    const [call] = visionCalls();
    expect(imagesOf(call!.body)).toHaveLength(1);
    await editor.screenshot('vision-explain-done');
  });

  it('shows a pasted image as a removable thumbnail and sends it with the question', async () => {
    const png = renderCode('Save  Cancel', { px: 18, theme: 'light' }).toString('base64');
    const paste = () =>
      chat.locator('#input').evaluate((input, b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'clip.png', { type: 'image/png' }));
        input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, png);

    await paste();
    const thumbs = chat.locator('#attachment-list img');
    await thumbs.first().waitFor();
    await chat.locator('.remove-image').click();
    await chat.locator('#attachments').waitFor({ state: 'hidden' });

    await paste();
    await thumbs.first().waitFor();
    await editor.screenshot('vision-pasted');
    const before = visionCalls().length;
    await sendInChat(chat, 'Which button saves?');
    await chat.locator('#attachments').waitFor({ state: 'hidden' });
    await chat.locator('.msg.user').last().locator('.sent-images img').waitFor();
    await chat.locator('.msg.assistant:not(.streaming)').nth(1).filter({ hasText: 'Initialise the list' }).waitFor({ timeout: 30_000 });

    const calls = visionCalls();
    expect(calls.length).toBe(before + 1);
    const last = calls.at(-1)!.body as { messages: { content: string; images?: string[] }[] };
    expect(imagesOf(last)).toHaveLength(1);
    expect(last.messages.at(-1)!.content).toMatch(/Question: Which button saves\?$/);
  });

  it('still shows the images under their questions after a window reload', async () => {
    await editor.reload();
    await editor.openChatView();
    chat = await editor.chatFrame();
    const asked = chat.locator('.msg.user').filter({ hasText: 'Which button saves?' });
    await asked.locator('.sent-images img').waitFor();
    expect(await chat.locator('.msg.user .sent-images img').count()).toBe(2);
    expect(await asked.locator('.sent-images img').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
  });
});

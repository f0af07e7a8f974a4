// Conversation history in a real VS Code (code-server): two conversations asked of the fixture Ollama,
// then the panel's History list: search, reopen (and continue), rename, delete, and the list after a reload.
// The specs run in order against one editor: each builds on what the previous ones left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';
import { oneNodeSettings } from './nodeFirst';

const FILES_QUESTION = 'How do I read a file in Node?';
const CLOSURE_QUESTION = 'What is a closure?';
const REPLIES: Record<string, string> = {
  [FILES_QUESTION]: 'Call fs.readFile with the path and a callback.',
  [CLOSURE_QUESTION]: 'A function that keeps the variables of its scope.',
  'And how do I write one?': 'Call fs.writeFile with the path and the data.',
};

let editor: Editor;
let node: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({
    models: ['llama3.2:latest'],
    tokensPerSecond: 400,
    reply: (req) => REPLIES[req.messages.at(-1)!.content] ?? 'I do not know.',
  });
  editor = await launchEditor({ name: 'history', settings: oneNodeSettings(node) });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

async function ask(question: string): Promise<void> {
  await sendInChat(chat, question);
  await chat.locator('.msg.assistant:not(.streaming)').filter({ hasText: REPLIES[question]! }).waitFor({ timeout: 20_000 });
}

const historyTitles = () => chat.locator('#history-list .history-title');
const historyRow = (title: string) => chat.locator('#history-list .history-item').filter({ has: chat.locator('.history-title', { hasText: title }) });

/** Waits until the list shows exactly these titles, in this order. */
async function expectTitles(titles: string[]): Promise<void> {
  await expect.poll(() => historyTitles().allInnerTexts(), { timeout: 10_000 }).toEqual(titles);
}

async function openHistory(): Promise<void> {
  await chat.locator('#history-button').click();
  await chat.locator('#history-pane').waitFor();
}

describe('conversation history in VS Code', () => {
  it('keeps two conversations asked in the panel, separated by New chat', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await ask(FILES_QUESTION);
    await chat.locator('#new-chat').click();
    await chat.locator('.msg').first().waitFor({ state: 'detached' });
    await ask(CLOSURE_QUESTION);
  });

  it('lists them newest first, titled by their first question, with the date and the model that answered', async () => {
    await openHistory();
    await expectTitles([CLOSURE_QUESTION, FILES_QUESTION]);
    const row = historyRow(FILES_QUESTION);
    expect(await row.locator('.history-detail').innerText()).toMatch(/^\d\d:\d\d( [AP]M)? · 1 question$/);
    expect(await row.locator('.history-models').innerText()).toBe('local · llama3.2:latest');
    expect(await chat.locator('#messages').isVisible()).toBe(false);
    await editor.screenshot('history-list');
  });

  it('finds a conversation by the text of its answer', async () => {
    await chat.locator('#history-search').fill('readFile');
    await expectTitles([FILES_QUESTION]);
    await chat.locator('#history-search').fill('no such words anywhere');
    await chat.locator('#history-empty').filter({ hasText: 'No conversation mentions' }).waitFor();
    await chat.locator('#history-search').fill('');
    await expectTitles([CLOSURE_QUESTION, FILES_QUESTION]);
  });

  it('reopens the first conversation: its messages appear and a further question continues it with its history', async () => {
    await historyRow(FILES_QUESTION).locator('.history-open').click();
    await chat.locator('#messages .msg.user').filter({ hasText: FILES_QUESTION }).waitFor();
    expect(await chat.locator('#messages .msg.assistant').innerText()).toContain(REPLIES[FILES_QUESTION]);
    expect(await chat.locator('#messages').innerText()).not.toContain(CLOSURE_QUESTION);

    const asked = node.nextRequest();
    await ask('And how do I write one?');
    const sent = ((await asked).body as { messages: { role: string; content: string }[] }).messages.map((m) => m.content);
    expect(sent).toEqual(expect.arrayContaining([FILES_QUESTION, REPLIES[FILES_QUESTION]]));
    expect(sent.join('\n')).not.toContain(CLOSURE_QUESTION);
    await openHistory();
    // Continuing it made it the most recent one.
    await expectTitles([FILES_QUESTION, CLOSURE_QUESTION]);
  });

  it('renames a conversation with the name typed in the editor\'s input box', async () => {
    await historyRow(FILES_QUESTION).locator('.history-rename').click();
    const input = editor.page.locator('.quick-input-widget input');
    await input.waitFor();
    expect(await input.inputValue()).toBe(FILES_QUESTION);
    await input.fill('Reading and writing files');
    await input.press('Enter');
    await expectTitles(['Reading and writing files', CLOSURE_QUESTION]);
  });

  it('deletes a conversation after the user confirms', async () => {
    await historyRow(CLOSURE_QUESTION).locator('.history-delete').click();
    const dialog = editor.page.locator('.monaco-dialog-box');
    await dialog.filter({ hasText: `Delete the conversation "${CLOSURE_QUESTION}"?` }).waitFor();
    await editor.screenshot('history-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expectTitles(['Reading and writing files']);
  });

  it('shows the same list, and the reopened conversation, after the window reloads', async () => {
    await editor.reload();
    await editor.openChatView();
    chat = await editor.chatFrame();
    await chat.locator('#messages .msg.user').filter({ hasText: 'And how do I write one?' }).waitFor();
    await openHistory();
    await expectTitles(['Reading and writing files']);
  });

  it('deleting the open conversation leaves the panel on a new, empty one', async () => {
    await historyRow('Reading and writing files').locator('.history-delete').click();
    await editor.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Delete' }).click();
    await chat.locator('#history-empty').filter({ hasText: 'No conversations yet' }).waitFor();
    await chat.locator('#history-button').click();
    expect(await chat.locator('#messages .msg').count()).toBe(0);
    await editor.screenshot('history-empty');
  });
});

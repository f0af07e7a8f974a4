// A newcomer's first day in a real VS Code (code-server): a node that has a thinking model (qwen3:8b) and
// not the default llama3.2. The panel answers with the installed model, shows its reasoning folded above
// the answer, and offers to make the model the default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { oneNodeSettings } from './nodeFirst';
import { startFakeOllama, type FakeServer } from '../fixtures';

const REASONING = 'The user asks about closures. ' + Array.from({ length: 30 }, (_, i) => `thought${i}`).join(' ') + '. Answer briefly.';

let editor: Editor;
let node: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({
    models: ['qwen3:8b'],
    show: { 'qwen3:8b': { capabilities: ['completion', 'tools', 'thinking'] } },
    thinking: () => REASONING,
    reply: () => 'A closure keeps the variables of the scope it was made in.',
    tokensPerSecond: 15,
    label: 'first-day node',
  });
  editor = await launchEditor({ name: 'first-day', settings: oneNodeSettings(node) });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

const send = (text: string) => sendInChat(chat, text);

describe('first day with a thinking model and no llama3.2', () => {
  it('streams the reasoning into a folded Thinking block while the model thinks', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await send('What is a closure?');
    const thinking = chat.locator('.msg.assistant.streaming details.thinking');
    await thinking.locator('summary').filter({ hasText: 'Thinking…' }).waitFor();
    expect(await thinking.getAttribute('open')).toBeNull();
    expect(await chat.locator('.msg.assistant.streaming .content').innerText()).toBe('');
    await editor.screenshot('first-day-thinking');
  });

  it('answers with the installed qwen3:8b, keeps the reasoning out of the answer, and says which default it stands in for', async () => {
    const answer = chat.locator('.msg.assistant:not(.streaming)').last();
    await answer.locator('.meta').waitFor({ timeout: 30_000 });
    expect(await answer.locator('.content').innerText()).toBe('A closure keeps the variables of the scope it was made in.');
    expect(await answer.locator('.meta').innerText()).toContain('qwen3:8b (llama3.2 not installed)');
    expect(await answer.locator('details.thinking summary').innerText()).toBe('Thought');
    await answer.locator('details.thinking summary').click();
    expect(await answer.locator('details.thinking .thinking-text').innerText()).toBe(REASONING);
    await editor.screenshot('first-day-answer');
  });

  it('offers to make qwen3:8b the default chat model, and does so', async () => {
    const toast = editor.page.locator('.notification-toast').filter({ hasText: 'No node has llama3.2, the default chat model' });
    await toast.getByRole('button', { name: 'Make qwen3:8b the default' }).click();
    await expect
      .poll(() => JSON.parse(readFileSync(join(editor.runDir, 'ud', 'User', 'settings.json'), 'utf8'))['singularity.defaultModels']?.chat, { timeout: 10_000 })
      .toBe('qwen3:8b');
  });

  it('sends the earlier answer back as history without its reasoning', async () => {
    node.setOptions({ tokensPerSecond: 500 });
    const next = node.nextRequest();
    await send('And in Python?');
    const request = await next;
    const messages = (request.body as { messages: { role: string; content: string }[] }).messages;
    const earlier = messages.filter((m) => m.role === 'assistant');
    expect(earlier.map((m) => m.content)).toEqual(['A closure keeps the variables of the scope it was made in.']);
    expect(JSON.stringify(messages)).not.toContain('thought0');
  });
});

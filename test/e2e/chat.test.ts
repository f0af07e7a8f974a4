// The chat panel in a real VS Code (code-server), answering from loopback Ollama and OpenAI fixtures.
// The specs run in order against one editor: each builds on the conversation the previous ones left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, setCloudKey, type Editor } from './harness';
import { oneCloudSettings, oneNodeSettings } from './nodeFirst';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../fixtures';

const CLOUD_KEY = 'sk-e2e-canary-7f3a9c';
const SLOW_REPLY = 'Streaming works like this: ' + Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + '. Done.';

let editor: Editor;
let node: FakeServer;
let second: FakeServer;
let cloud: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], tokensPerSecond: 200, label: 'e2e node' });
  second = await startFakeOllama({ models: ['mistral:latest'], label: 'second e2e node' });
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], apiKey: CLOUD_KEY, tokensPerSecond: 200, reply: () => 'Answer **from the cloud** fixture.' });
  editor = await launchEditor({
    name: 'chat',
    settings: { ...oneNodeSettings(node), ...oneCloudSettings(cloud) },
    workspaceFiles: { 'README.md': '# e2e\n', 'math.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n' },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
  await second?.close();
  await cloud?.close();
});

const send = (text: string) => sendInChat(chat, text);

const lastAnswer = () => chat.locator('.msg.assistant').last();
const finishedAnswers = () => chat.locator('.msg.assistant:not(.streaming)');

describe('chat panel in VS Code', () => {
  it('opens from the activity bar and shows node health', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await editor.page.locator('.part.statusbar').getByText('1/1 nodes').waitFor();
    await editor.screenshot('chat-opened');
  });

  it('streams an answer from the Ollama node token by token, with route, node and model under it', async () => {
    node.setOptions({ tokensPerSecond: 25, reply: () => SLOW_REPLY });
    await send('Explain streaming');
    const streaming = chat.locator('.msg.assistant.streaming .content');
    await streaming.filter({ hasText: 'Streaming works' }).waitFor();
    const partial = await streaming.innerText();
    expect(partial.length).toBeLessThan(SLOW_REPLY.length);
    expect(await chat.locator('#stop').isVisible()).toBe(true);
    await editor.screenshot('chat-streaming');
    await finishedAnswers().filter({ hasText: 'Done.' }).waitFor({ timeout: 20_000 });
    const meta = await lastAnswer().locator('.meta').innerText();
    expect(meta).toMatch(/local/);
    expect(meta).toMatch(/e2e-node/);
    expect(meta).toMatch(/llama3\.2/);
    expect(meta).toMatch(/TTFT \d+ ms/);
    node.setOptions({ tokensPerSecond: 200 });
  });

  it('Stop cancels the request on the server', async () => {
    node.setOptions({ tokensPerSecond: 10, reply: () => SLOW_REPLY });
    const disconnected = node.nextDisconnect();
    await send('Tell me a long story');
    await chat.locator('.msg.assistant.streaming .content').filter({ hasText: 'Streaming' }).waitFor();
    await chat.locator('#stop').click();
    const aborted = await disconnected;
    expect(aborted.aborted).toBe(true);
    await lastAnswer().locator('.stopped').waitFor();
    node.setOptions({ tokensPerSecond: 200 });
  });

  it('renders Markdown with highlighted code and a working copy button', async () => {
    node.setOptions({ reply: () => 'Here:\n\n- one\n- two\n\n```ts\nconst answer = 42;\n```\n' });
    await send('Show me code');
    const block = finishedAnswers().last().locator('.code-block');
    await block.waitFor();
    expect(await block.locator('.hljs-keyword').first().innerText()).toBe('const');
    expect(await finishedAnswers().last().locator('li').count()).toBe(2);
    await block.locator('.copy-code').click();
    await block.locator('.copy-code').filter({ hasText: /Copied/ }).or(block.locator('.copy-code.copied')).first().waitFor();
  });

  it('shows a hostile answer as text and runs nothing', async () => {
    node.setOptions({
      reply: () =>
        'Hostile: <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> [click](javascript:window.__pwned=3) <svg onload="window.__pwned=4"></svg>',
    });
    await send('Say something hostile');
    const answer = finishedAnswers().last();
    await answer.filter({ hasText: 'Hostile:' }).waitFor();
    expect(await answer.locator('.content').innerText()).toContain('<img src=x onerror=');
    expect(await answer.locator('img, script, svg, a[href^="javascript"]').count()).toBe(0);
    expect(await answer.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await editor.screenshot('chat-hostile-answer');
  });

  it('asks about the selection from the palette and sends the selected code as context', async () => {
    const page = editor.page;
    await editor.runCommand('View: Show Explorer');
    await page.getByRole('treeitem', { name: 'math.ts' }).click();
    const text = page.locator('.monaco-editor .view-lines').filter({ hasText: 'return a + b' });
    await text.click();
    await page.keyboard.press('ControlOrMeta+a');
    const asked = node.nextRequest();
    await editor.runCommand('Singularity: Ask About Selection');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.press('Enter');
    const request = await asked;
    const messages = (request.body as { messages: { content: string }[] }).messages;
    expect(messages.at(-1)!.content).toContain('return a + b;');
    expect(messages.at(-1)!.content).toContain('Selection in math.ts');
  });

  it('attaches a workspace file picked from the @ completion list', async () => {
    await editor.openChatView();
    chat = await editor.chatFrame();
    await chat.locator('#input').fill('');
    await chat.locator('#input').pressSequentially('What does @mat');
    await chat.locator('#mentions .mention-item').filter({ hasText: 'math.ts' }).click();
    const asked = node.nextRequest();
    await chat.locator('#input').pressSequentially('do?');
    await chat.locator('#input').press('Enter');
    const messages = ((await asked).body as { messages: { content: string }[] }).messages;
    expect(messages.at(-1)!.content).toContain('File math.ts:');
    expect(messages.at(-1)!.content).toContain('What does @math.ts do?');
    await finishedAnswers().nth(5).waitFor();
  });

  it('adds an Ollama node from the palette after probing it, and counts it in the status bar', async () => {
    const page = editor.page;
    await editor.runCommand('Singularity: Add Ollama Node');
    const input = page.locator('.quick-input-widget input');
    await input.fill(second.url);
    await input.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'mistral:latest' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'another machine' }).click();
    await page.locator('.notification-toast').filter({ hasText: /Added Ollama node .* \(lan, 1 models\)/ }).waitFor();
    await page.locator('.part.statusbar').getByText('2/2 nodes').waitFor();
  });

  it('offers Retry when the node dies mid-answer, and the retry answers', async () => {
    node.setOptions({ reply: () => SLOW_REPLY, tokensPerSecond: 200 });
    node.failNext({ kind: 'dropMidStream', afterTokens: 5 });
    await send('Explain streaming once more');
    const failed = finishedAnswers().last();
    await failed.locator('.error').filter({ hasText: 'cut off' }).waitFor();
    const asked = node.nextRequest();
    await failed.locator('.retry-answer').click();
    const retried = (await asked).body as { messages: { content: string }[] };
    expect(retried.messages.at(-1)!.content).toContain('Explain streaming once more');
    await finishedAnswers().last().filter({ hasText: 'Done.' }).waitFor();
    await editor.screenshot('chat-retry');
  });

  it('keeps the conversation after a window reload', async () => {
    const before = await chat.locator('.msg.user').count();
    await editor.reload();
    await editor.openChatView();
    chat = await editor.chatFrame();
    await chat.locator('.msg.user').nth(before - 1).waitFor();
    expect(await chat.locator('.msg.user').count()).toBe(before);
    expect(await chat.locator('.msg.assistant .content').first().innerText()).toContain('Streaming works');
  });

  it('stores a cloud key from the palette in SecretStorage and answers from the cloud when no node is up', async () => {
    await setCloudKey(editor, 'e2e-cloud', CLOUD_KEY);

    await Promise.all([node.close(), second.close()]);
    await editor.openChatView();
    chat = await editor.chatFrame();
    const leaked = 'sk-proj-4f9KQ2mZx8Lr7TnWv3Yb1Hc6Jd0SeAp';
    await send(`Anyone there? My key ${leaked} fails.`);
    const answer = finishedAnswers().filter({ hasText: 'from the cloud' });
    await answer.waitFor({ timeout: 20_000 });
    const meta = await answer.locator('.meta').innerText();
    expect(meta).toMatch(/cloud.*e2e-cloud.*gpt-e2e/s);
    expect(meta).toContain('1 secret redacted');
    expect(JSON.stringify(cloud.requests.at(-1)!.body)).not.toContain(leaked);
    await editor.screenshot('chat-cloud-fallback');
  });

  it('never writes the cloud key to settings, logs or the database', async () => {
    const settings = readFileSync(join(editor.runDir, 'ud', 'User', 'settings.json'), 'utf8');
    expect(settings).not.toContain(CLOUD_KEY);
    expect(editor.logs()).not.toContain(CLOUD_KEY);
    const db = join(editor.runDir, 'ud', 'User', 'globalStorage', 'singularity-dev.singularity', 'singularity.db');
    await expect.poll(() => existsSync(db)).toBe(true);
    // The database is its base file and the journal of the saves since (docs/store.md).
    const saved = [db, `${db}.journal`].filter(existsSync).map((f) => readFileSync(f));
    expect(Buffer.concat(saved).includes(Buffer.from(CLOUD_KEY))).toBe(false);
  });

  it('New Chat from the palette starts an empty conversation', async () => {
    await editor.runCommand('Singularity: New Chat');
    chat = await editor.chatFrame();
    await chat.locator('.msg').first().waitFor({ state: 'detached' });
    expect(await chat.locator('.msg').count()).toBe(0);
  });

  it('Show Logs opens the Singularity log channel', async () => {
    await editor.runCommand('Singularity: Show Logs');
    const channelPicker = editor.page.locator('.part.panel select');
    await channelPicker.first().waitFor({ state: 'attached' });
    const shown = await channelPicker.evaluateAll((selects) => selects.map((s) => (s as HTMLSelectElement).selectedOptions[0]?.text));
    expect(shown).toContain('Singularity');
  });
});

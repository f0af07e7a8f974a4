// Quality gate, feedback and the example library in a real VS Code (code-server): a loopback Ollama node
// whose answer to one question is cut off inside a code block, and a loopback OpenAI-style cloud. The gate
// escalates that answer in the panel; thumbs with a reason, Insert, Regenerate and the example command
// are clicked as a user would, and what they stored is read back from the extension's database file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { nodeFirstSettings } from './nodeFirst';
import { startFakeOllama, startFakeOpenAI, type FakeServer } from '../fixtures';
import { loadSaved } from '../../src/core/store/savedFile';
import { silentLogger } from '../../src/core/log';

const CUT_OFF = 'Here is the parser:\n\n```python\ndef parse_numbers(text):\n    result = []\n    for part in text.split(","):\n        result.append(int(part';
const GOOD = 'Use a `Map`, it keeps insertion order:\n\n```ts\nconst seen = new Map<string, number>();\n```\n\nIterating it visits keys in the order they were set.';

let editor: Editor;
let node: FakeServer;
let cloud: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  node = await startFakeOllama({
    models: ['llama3.2:latest'],
    tokensPerSecond: 400,
    reply: (req) => (req.messages.at(-1)!.content.includes('parse_numbers') ? CUT_OFF : GOOD),
  });
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], tokensPerSecond: 400, reply: () => 'Answer from the cloud fixture.' });
  editor = await launchEditor({
    name: 'learning',
    settings: nodeFirstSettings(node, cloud),
    workspaceFiles: { 'README.md': '# e2e\n', 'main.ts': '// code goes here\n' },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
  await cloud?.close();
});

const answers = () => chat.locator('.msg.assistant:not(.streaming)');

async function ask(text: string, expectAnswers = 1): Promise<void> {
  const before = await answers().count();
  await sendInChat(chat, text);
  await answers().nth(before + expectAnswers - 1).waitFor({ timeout: 20_000 });
}

/** Rows of the extension's database file, as saved on disk. */
async function dbRows(sql: string): Promise<Record<string, unknown>[]> {
  const file = join(editor.runDir, 'ud', 'User', 'globalStorage', 'singularity-dev.singularity', 'singularity.db');
  await expect.poll(() => existsSync(file)).toBe(true);
  const SQL = await initSqlJs();
  // The base file with its journal replayed: a save appends to the journal (docs/store.md).
  const db = loadSaved(SQL, file, silentLogger)!.db;
  try {
    const [result] = db.exec(sql);
    return (result?.values ?? []).map((row) => Object.fromEntries(result!.columns.map((c, i) => [c, row[i]])));
  } finally {
    db.close();
  }
}

describe('quality gate and feedback in VS Code', () => {
  it('escalates a node answer cut off mid-code to the cloud: the draft stays, collapsed, with the reason', async () => {
    chat = await openChatShowing(editor, '1/1 nodes');
    await ask('Write a python function parse_numbers that parses comma separated numbers', 2);
    const draft = answers().nth(0);
    expect(await draft.getAttribute('class')).toContain('escalated');
    expect(await draft.locator('details.draft > summary').innerText()).toBe('Local draft, escalated to the cloud: answer was cut off');
    expect(await draft.locator('details.draft').getAttribute('open')).toBeNull();
    const final = answers().nth(1);
    expect(await final.locator('.content').innerText()).toContain('Answer from the cloud fixture.');
    expect(await final.locator('.meta').innerText()).toContain('escalated: answer was cut off');
    // The database file is saved shortly after a change, not at once: wait for the verdict to reach it.
    await expect
      .poll(async () => (await dbRows('SELECT passed, reasons FROM quality_gate_results'))[0], { timeout: 10_000 })
      .toEqual({ passed: 0, reasons: '["answer was cut off"]' });
    await editor.screenshot('learning-escalated');
  });

  it('keeps a thumbs-down with the reason typed under it', async () => {
    await ask('How do I keep insertion order of keys?');
    const answer = answers().last();
    expect(await answer.locator('.meta').innerText()).toMatch(/quality \d\.\d\d/);
    await answer.locator('.feedback-button[data-value="-1"]').click();
    await answer.locator('.feedback-reason').fill('it forgot the delete case');
    await answer.locator('.feedback-reason').press('Enter');
    await answer.locator('.feedback[data-saved="-1"]').waitFor();
    await expect.poll(async () => (await dbRows("SELECT reason FROM feedback_data WHERE kind = 'thumbs' AND reason IS NOT NULL")).map((r) => r.reason)).toEqual(['it forgot the delete case']);
  });

  it('inserts a code block at the cursor and counts it as using the answer', async () => {
    await editor.runCommand('View: Show Explorer');
    await editor.page.getByRole('treeitem', { name: 'main.ts' }).click();
    await editor.page.locator('.monaco-editor .view-lines').filter({ hasText: 'code goes here' }).click();
    await editor.openChatView();
    chat = await editor.chatFrame();
    const block = answers().last().locator('.code-block');
    await block.hover();
    await block.locator('.insert-code').click();
    await editor.page.locator('.monaco-editor .view-lines').filter({ hasText: 'const seen = new Map' }).waitFor();
    // Clicked mid-line: the block stands on lines of its own, the rest of the comment on the line after it.
    const lines = (await editor.page.locator('.monaco-editor .view-line').allInnerTexts()).map((l) => l.replace(/\u00a0/g, ' ').trimEnd());
    expect(lines).toContain('const seen = new Map<string, number>();');
    await expect.poll(async () => (await dbRows("SELECT kind FROM feedback_data WHERE kind = 'insertCode'")).length, { timeout: 10_000 }).toBe(1);
  });

  it('regenerates an answer: the same question again, the first answer marked as not good enough', async () => {
    const before = await answers().count();
    await answers().last().locator('.regenerate-answer').click();
    await answers().nth(before).waitFor({ timeout: 20_000 });
    expect(await answers().nth(before).locator('.content').innerText()).toContain('Iterating it visits keys');
    await expect.poll(async () => (await dbRows("SELECT kind FROM feedback_data WHERE kind = 'regenerate'")).length, { timeout: 10_000 }).toBe(1);
  });

  it('lists an example made from a thumbs-up in "Manage Few-Shot Examples"', async () => {
    const answer = answers().last();
    await answer.locator('.feedback-button[data-value="1"]').click();
    await answer.locator('.feedback[data-saved="1"]').waitFor();
    await editor.runCommand('Singularity: Manage Few-Shot Examples');
    const item = editor.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'How do I keep insertion order of keys?' });
    await item.waitFor();
    expect(await item.innerText()).toContain('active');
    await editor.page.keyboard.press('Escape');
  });

  it('regenerates a cloud answer in the cloud', async () => {
    const before = await answers().count();
    await answers().last().locator('.reroute-answer').click();
    await answers().nth(before).waitFor({ timeout: 20_000 });
    expect(await answers().nth(before).locator('.content').innerText()).toContain('Answer from the cloud fixture.');
    await answers().nth(before).locator('.regenerate-answer').click();
    await answers().nth(before + 1).waitFor({ timeout: 20_000 });
    expect(await answers().nth(before + 1).locator('.content').innerText()).toContain('Answer from the cloud fixture.');
    expect(await answers().nth(before + 1).locator('.meta').innerText()).toMatch(/^cloud/);
  });
});

// Edits to the user's files in a real VS Code (code-server): Write Doc Comments and the chat's Apply to File
// offer their change in the Refactor Preview (a diff, a checkbox per change), apply what was ticked, and undo
// in one step. A loopback Ollama node answers with the comments and code a model would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { launchEditor, sendInChat, openChatShowing, type Editor } from './harness';
import { startFakeOllama, type FakeServer } from '../fixtures';

const MATH = [
  'export function add(a: number, b: number) {',
  '  return a + b;',
  '}',
  '',
  'export function scale(v: number, k: number) {',
  '  return v * k;',
  '}',
  '',
].join('\n');
const ADD_DOC = '/**\n * Adds two numbers.\n */\n';
const SCALE_DOC = '/** Multiplies v by k. */\n';
const NEW_ADD = 'export function add(a: number, b: number): number {\n  return b + a;\n}';

/** What a model answers: a bare comment for add, a fenced one followed by the function for scale, new code in the chat. */
function reply(req: { messages: { role: string; content: string }[] }): string {
  const message = req.messages.at(-1)!.content;
  if (message.includes('Write a doc comment')) {
    return message.includes('function add(') ? ADD_DOC : `\`\`\`ts\n${SCALE_DOC}export function scale(v: number, k: number) {\n\`\`\``;
  }
  return `Swap the operands:\n\n\`\`\`ts\n${NEW_ADD}\n\`\`\`\n`;
}

let editor: Editor;
let node: FakeServer;

beforeAll(async () => {
  node = await startFakeOllama({ models: ['qwen2.5-coder:latest'], tokensPerSecond: 400, reply });
  editor = await launchEditor({
    name: 'apply',
    settings: {
      'singularity.nodes': [{ name: 'e2e-node', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
      'singularity.demoMode': 'never',
    },
    workspaceFiles: { 'README.md': '# e2e\n', 'math.ts': MATH },
  });
});

afterAll(async () => {
  await editor?.close();
  await node?.close();
});

const preview = () => editor.page.locator('.bulk-edit-panel');
/** A row of the Refactor Preview's tree, by the text it shows. */
const previewRow = (text: string | RegExp): Locator => preview().locator('.monaco-list-row').filter({ hasText: text });

/** Saves every editor (the edit itself only changes the open document) and waits for math.ts on disk to read `expected`. */
async function expectSavedMath(expected: string): Promise<void> {
  await editor.runCommand('File: Save All Files');
  await expect.poll(() => readFileSync(join(editor.workspaceDir, 'math.ts'), 'utf8'), { timeout: 10_000 }).toBe(expected);
}

async function openMath(): Promise<void> {
  await editor.runCommand('View: Show Explorer');
  await editor.page.getByRole('treeitem', { name: 'math.ts' }).click();
  await editor.page.locator('.editor-instance .monaco-editor .view-lines').filter({ hasText: 'return v * k' }).click();
}

/** Ctrl+Z in the file's editor. */
async function undoInMath(): Promise<void> {
  await editor.page.locator('.tab').filter({ hasText: 'math.ts' }).first().click();
  await editor.page.locator('.editor-instance .monaco-editor .view-lines').filter({ hasText: 'return v * k' }).click();
  await editor.page.keyboard.press('Control+z');
}

/** Runs Write Doc Comments until the preview opens (the TypeScript server may still be starting at first). */
async function writeDocComments(): Promise<void> {
  const page = editor.page;
  for (let attempt = 0; ; attempt++) {
    await editor.runCommand('Singularity: Write Doc Comments for Functions in This File');
    const outcome = await Promise.race([
      previewRow('Doc comment for add').or(previewRow('math.ts')).first().waitFor({ timeout: 30_000 }).then(() => 'preview'),
      page.locator('.notification-toast').filter({ hasText: 'no symbol provider answered' }).waitFor({ timeout: 30_000 }).then(() => 'no provider'),
    ]);
    if (outcome === 'preview') return;
    if (attempt >= 5) throw new Error('the TypeScript symbol provider never answered');
    await page.keyboard.press('Escape');
    await openMath();
    await page.waitForTimeout(3_000);
  }
}

const WITH_BOTH = ADD_DOC + MATH.replace('export function scale', `${SCALE_DOC}export function scale`);

describe('edits offered for review in VS Code', () => {
  it('shows the doc comments in the Refactor Preview; applying all changes the file and one undo takes them out', async () => {
    await openMath();
    await writeDocComments();
    expect(await previewRow(/^/).allInnerTexts()).toEqual([
      'math.ts',
      expect.stringContaining('Adds two numbers.'),
      expect.stringContaining('/** Multiplies v by k. */'),
    ]);
    await editor.screenshot('apply-doc-comments-preview');
    // VS Code leaves edits that need confirmation unticked: ticking the file takes them all.
    await previewRow('math.ts').locator('input.edit-checkbox').check();
    await preview().getByRole('button', { name: 'Apply' }).click();
    await editor.page.locator('.notification-toast').filter({ hasText: 'applied the doc comments' }).waitFor();
    await expectSavedMath(WITH_BOTH);

    await undoInMath();
    await expectSavedMath(MATH);
  });

  it('applies only the doc comments ticked in the preview', async () => {
    await openMath();
    await writeDocComments();
    await previewRow('Adds two numbers.').locator('input.edit-checkbox').check();
    await editor.screenshot('apply-doc-comments-one-ticked');
    await preview().getByRole('button', { name: 'Apply' }).click();
    await expectSavedMath(ADD_DOC + MATH);
    await undoInMath();
    await expectSavedMath(MATH);
  });

  it('applies a chat code block to the file: it replaces the function of the same name, after the preview', async () => {
    const chat: FrameLocator = await openChatShowing(editor, '1/1 nodes');
    await sendInChat(chat, 'Make add return b + a');
    const block = chat.locator('.msg.assistant:not(.streaming) .code-block').last();
    await block.waitFor({ timeout: 20_000 });

    // Discard leaves the file as it was.
    await block.hover();
    await block.locator('.apply-code').click();
    await previewRow('math.ts').waitFor();
    await preview().getByRole('button', { name: 'Discard' }).click();
    await preview().waitFor({ state: 'hidden' });
    await expectSavedMath(MATH);

    await editor.openChatView();
    await block.hover();
    await block.locator('.apply-code').click();
    await previewRow('math.ts').locator('input.edit-checkbox').check();
    await editor.screenshot('apply-code-block-preview');
    await preview().getByRole('button', { name: 'Apply' }).click();
    await expectSavedMath(MATH.replace('export function add(a: number, b: number) {\n  return a + b;\n}', NEW_ADD));

    await undoInMath();
    await expectSavedMath(MATH);
  });
});

// Context compression in a real VS Code (code-server): a large file open in the editor is compressed for
// a cloud request (parsed ahead, while the question is typed); the panel shows the tokens before and after, a chunk's text on demand, and a pinned
// chunk is sent with the next question.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator } from 'playwright-core';
import { launchEditor, sendInChat, type Editor } from './harness';
import { oneCloudSettings } from './nodeFirst';
import { startFakeOpenAI, type FakeServer } from '../fixtures';
import { largeTypeScript } from '../fixtures/codeSamples';

const { text, names } = largeTypeScript(80);
const target = names[42]!;
const pinned = names[7]!;

let editor: Editor;
let cloud: FakeServer;
let chat: FrameLocator;

beforeAll(async () => {
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], tokensPerSecond: 500, reply: () => 'Answer from the cloud fixture.' });
  editor = await launchEditor({
    name: 'compression',
    settings: { 'singularity.nodes': [], ...oneCloudSettings(cloud), 'singularity.context.budgetTokens': 1000 },
    workspaceFiles: { 'README.md': '# e2e\n', 'big.ts': text },
  });
});

afterAll(async () => {
  await editor?.close();
  await cloud?.close();
});

const lastUserMessage = () => {
  const messages = (cloud.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as { messages: { content: string }[] }).messages;
  return messages.at(-1)!.content;
};

async function ask(question: string, answers: number): Promise<void> {
  await sendInChat(chat, question);
  await expect.poll(() => chat.locator('.msg.assistant:not(.streaming)').count(), { timeout: 30_000 }).toBe(answers);
}

describe('context compression', () => {
  it('compresses a large open file for a cloud request and shows the tokens before and after', async () => {
    await editor.page.getByRole('treeitem', { name: 'big.ts' }).click();
    await editor.page.locator('.monaco-editor .view-lines').filter({ hasText: 'import { strict as assert }' }).waitFor();
    await editor.openChatView();
    chat = await editor.chatFrame();
    // While the user is still to type, the open file is parsed ahead: the panel names it, and the question only ranks.
    await chat.locator('#active-context[data-prepared="true"]').filter({ hasText: 'big.ts' }).waitFor({ timeout: 10_000 });
    await ask(`What does ${target} do with an empty input?`, 1);

    const sent = lastUserMessage();
    expect(sent).toContain(`export function ${target}(`);
    expect(sent).toMatch(/\/\/ \.\.\. \d+ lines omitted \.\.\./);
    expect(sent).not.toContain(`export function ${pinned}(`);

    const summary = chat.locator('.msg.assistant').last().locator('.context-report summary');
    const before = Number(await summary.getAttribute('data-tokens-before'));
    const after = Number(await summary.getAttribute('data-tokens-after'));
    expect(before).toBeGreaterThan(5 * after);
    expect(await summary.getAttribute('data-items-parsed')).toBe('0');
    expect(await summary.innerText()).toMatch(new RegExp(`Context ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} tokens · \\d+ of \\d+ chunks sent`));
    await editor.screenshot('compression-summary');
  });

  it('shows a kept chunk on demand and sends a pinned chunk with the next question', async () => {
    const report = chat.locator('.msg.assistant').last().locator('.context-report');
    await report.locator('summary').click();
    const kept = report.locator('.context-chunk.kept').filter({ hasText: target });
    await kept.locator('.chunk-expand').click();
    await expect.poll(() => kept.locator('.chunk-text').textContent()).toContain(`export function ${target}(`);

    const dropped = report.locator('.context-chunk.dropped').filter({ hasText: pinned });
    await dropped.locator('.chunk-pin').click();
    await expect.poll(() => dropped.locator('.chunk-pin').getAttribute('aria-pressed')).toBe('true');
    await editor.screenshot('compression-chunks');

    await ask(`And what does ${target} return?`, 2);
    expect(lastUserMessage()).toContain(`export function ${pinned}(`);
    const last = chat.locator('.msg.assistant').last().locator('.context-report');
    await last.locator('summary').click();
    await expect.poll(() => last.locator('.context-chunk.kept').filter({ hasText: pinned }).locator('.chunk-why').textContent()).toBe('pinned');
  });

  it('keeps the file as the context to include when the Output panel takes the focus', async () => {
    await chat.locator('#active-context').filter({ hasText: 'big.ts' }).waitFor({ timeout: 10_000 });
    await editor.runCommand('Output: Focus on Output View');
    await editor.page.locator('.part.panel .monaco-editor').first().click();
    // The panel's label follows the active editor 400 ms after it changes; give it time to (wrongly) follow.
    await editor.page.waitForTimeout(1500);
    expect(await chat.locator('#active-context').innerText()).toContain('big.ts');
  });
});

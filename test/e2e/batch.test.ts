// The batch commands in a real VS Code (code-server): "Explain Selected Files" from the palette, files
// picked in a multi-select QuickPick, a progress notification, then the Markdown report in an editor;
// Write Doc Comments offers its answers in the Refactor Preview instead (test/e2e/apply.test.ts applies them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchEditor, type Editor } from './harness';
import { commitAll } from './git';
import { startFakeOllama, type FakeServer } from '../fixtures';

const FILES: Record<string, string> = {
  'alpha.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n',
  'beta.py': 'def greet(name):\n    return f"hello {name}"\n',
  'gamma.md': '# Notes\n\nA short note.\n',
};

/** Names the file it was asked about, so the report can be matched to the requests. Slow enough to see the progress. */
const reply = (label: string) => (req: { messages: { role: string; content: string }[] }) => {
  const file = /File (\S+):/.exec(req.messages.at(-1)!.content)?.[1] ?? 'unknown';
  return `Explained ${file} by ${label}: ` + Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ') + '.';
};

let editor: Editor;
let alpha: FakeServer;
let beta: FakeServer;

beforeAll(async () => {
  alpha = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], tokensPerSecond: 8, reply: reply('alpha') });
  beta = await startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5-coder:latest'], tokensPerSecond: 8, reply: reply('beta') });
  editor = await launchEditor({
    name: 'batch',
    settings: {
      'singularity.nodes': [
        { name: 'alpha-node', baseUrl: alpha.url, tier: 'local', models: [], maxParallel: 2 },
        { name: 'beta-node', baseUrl: beta.url, tier: 'local', models: [], maxParallel: 2 },
      ],
      'singularity.demoMode': 'never',
    },
    workspaceFiles: FILES,
  });
});

afterAll(async () => {
  await editor?.close();
  await alpha?.close();
  await beta?.close();
});

const chatRequests = () => [...alpha.requests, ...beta.requests].filter((r) => r.path === '/api/chat');
/** Chat requests that arrived since `before` (a snapshot of chatRequests()), on either node. */
const newRequests = (before: ReturnType<typeof chatRequests>) => chatRequests().filter((r) => !before.includes(r));
const lastUserMessage = (body: unknown) => (body as { messages: { role: string; content: string }[] }).messages.at(-1)!.content;

describe('batch commands in VS Code', () => {
  it('lists the three batch commands in the palette', async () => {
    // One query each: the palette shows only as many rows as fit, and Singularity has more commands than that.
    for (const title of ['Singularity: Explain Selected Files', 'Singularity: Write Doc Comments for Functions in This File', 'Singularity: Review Changed Files (git)']) {
      expect(await editor.listCommands(title, title)).toContain(title);
    }
  });

  it('explains the files picked in the QuickPick, with progress, and opens a Markdown report', async () => {
    const page = editor.page;
    await editor.runCommand('Singularity: Explain Selected Files');

    const widget = page.locator('.quick-input-widget');
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'gamma.md' }).waitFor();
    expect((await rows.locator('.label-name').allTextContents()).sort()).toEqual(Object.keys(FILES).sort());
    // The "Toggle all checkboxes" box in the header of a multi-select QuickPick.
    await widget.locator('.quick-input-header .monaco-checkbox').first().click();
    await widget.locator('.quick-input-list .monaco-checkbox.checked').nth(2).waitFor();
    await editor.screenshot('batch-picker');
    await page.keyboard.press('Enter');

    const toast = page.locator('.notification-toast').filter({ hasText: 'Explain Selected Files' });
    await toast.waitFor({ timeout: 15_000 });
    expect(await toast.innerText()).toMatch(/\d\/3 done/);
    await editor.screenshot('batch-progress');

    const report = page.locator('.editor-instance .monaco-editor .view-lines').filter({ hasText: 'Sum of item times' }); // a string: Monaco renders spaces as U+00A0
    await report.waitFor({ timeout: 60_000 });
    await page.locator('.tab.active').filter({ hasText: /Untitled/ }).waitFor();
    // Wait until the whole report is rendered (the last section's answer).
    await page.waitForFunction(() => {
      const text = document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent ?? '';
      return (text.match(/Explained/g) ?? []).length >= 3;
    });
    const text = (await report.innerText()).replace(/\u00a0/g, ' ');
    await editor.screenshot('batch-report');

    expect(text).toContain('# Explain Selected Files');
    expect(text).toMatch(/Items: 3 · ok: 3 · failed: 0/);
    const sections = text.split(/^## /m).slice(1);
    expect(sections.map((s) => s.split('\n')[0]!.trim()).sort()).toEqual(Object.keys(FILES).sort());
    for (const section of sections) {
      const file = section.split('\n')[0]!.trim();
      expect(section).toMatch(/local · (alpha-node|beta-node) · qwen2\.5-coder:latest · TTFT \d+ ms · quality \d\.\d\d · total [\d.]+ s · 1 attempt/);
      expect(section).toContain(`Explained ${file} by`);
    }

    // One request per file, each carrying that file as context.
    const requests = chatRequests();
    expect(requests).toHaveLength(3);
    for (const [file, content] of Object.entries(FILES)) {
      const asking = requests.filter((r) => lastUserMessage(r.body).includes(`File ${file}:`));
      expect(asking).toHaveLength(1);
      expect(lastUserMessage(asking[0]!.body)).toContain(content.split('\n')[0]!);
      expect(lastUserMessage(asking[0]!.body)).toContain('Explain what this file does');
    }
  });

  it('writes doc comments for each function of the open file, using its symbol provider, and offers them as an edit', async () => {
    const page = editor.page;
    await page.getByRole('treeitem', { name: 'alpha.ts' }).click();
    await page.locator('.monaco-editor .view-lines').filter({ hasText: 'return a + b' }).waitFor();
    const before = chatRequests();
    // The built-in TypeScript server may still be starting: until it answers the command says so; try again.
    const offered = page.locator('.bulk-edit-panel .monaco-list-row').filter({ hasText: 'Explained' });
    for (let attempt = 0; ; attempt++) {
      await editor.runCommand('Singularity: Write Doc Comments for Functions in This File');
      const outcome = await Promise.race([
        offered.waitFor({ timeout: 30_000 }).then(() => 'preview'),
        page.locator('.notification-toast').filter({ hasText: 'no symbol provider answered' }).waitFor({ timeout: 30_000 }).then(() => 'no provider'),
      ]);
      if (outcome === 'preview') break;
      if (attempt >= 5) throw new Error('the TypeScript symbol provider never answered');
      await page.keyboard.press('Escape');
      await page.getByRole('treeitem', { name: 'alpha.ts' }).click();
      await page.waitForTimeout(3_000);
    }
    // The answer was prose, so it is offered wrapped in a doc comment, above the function.
    expect((await offered.innerText()).replace(/\u00a0/g, ' ')).toMatch(/^\/\*\*⏎ \* Explained .* by (alpha|beta): w0 .*⏎ \*\/⏎export function add\(/);
    const asked = newRequests(before);
    expect(asked).toHaveLength(1);
    const message = lastUserMessage(asked[0]!.body);
    expect(message).toContain('Write a doc comment for this function in the idiomatic style of TypeScript. Reply with only the comment.');
    expect(message).toContain('export function add(a: number, b: number) {');
    await editor.screenshot('batch-doc-comments');
    await page.locator('.bulk-edit-panel').getByRole('button', { name: 'Discard' }).click();
  });

  it('reviews the files changed since HEAD, and says so clearly when the folder is not a git repository', async () => {
    const page = editor.page;
    await editor.runCommand('Singularity: Review Changed Files (git)');
    await page.locator('.notification-toast').filter({ hasText: 'is not a git repository' }).waitFor();

    commitAll(editor.workspaceDir);
    writeFileSync(join(editor.workspaceDir, 'beta.py'), 'def greet(name):\n    return f"hi {name}"\n');
    const before = chatRequests();
    await editor.runCommand('Singularity: Review Changed Files (git)');
    const report = page.locator('.editor-instance .monaco-editor .view-lines').filter({ hasText: 'Review of Changed Files' });
    await report.waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => /Explained/.test(document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent ?? ''));
    const text = (await report.innerText()).replace(/\u00a0/g, ' ');
    expect(text).toContain('## beta.py');
    expect(text).toMatch(/Items: 1 · ok: 1/);
    const asked = newRequests(before);
    expect(asked).toHaveLength(1);
    const message = lastUserMessage(asked[0]!.body);
    expect(message).toContain('File beta.py (git diff HEAD):');
    expect(message).toContain('+    return f"hi {name}"');
    expect(message).toContain('Review this change: bugs, risks, and concrete improvements.');
  });
});

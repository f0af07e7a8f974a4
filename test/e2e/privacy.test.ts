// What the cloud gets from a real VS Code (code-server): "Review Changed Files (git)" with a changed .env and a
// changed source file holding a token, answered by the cloud (no node). The .env diff is labelled
// ".env (git diff HEAD)" by the command; never-send must still match it, and the token must be redacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchEditor, setCloudKey, type Editor } from './harness';
import { oneCloudSettings } from './nodeFirst';
import { commitAll } from './git';
import { startFakeOpenAI, type FakeServer } from '../fixtures';

const CLOUD_KEY = 'sk-e2e-privacy-cloud-key-0001';
let editor: Editor;
let cloud: FakeServer;

beforeAll(async () => {
  cloud = await startFakeOpenAI({ models: ['gpt-e2e'], apiKey: CLOUD_KEY, tokensPerSecond: 400, reply: () => 'Reviewed by the cloud fixture.' });
  editor = await launchEditor({
    name: 'privacy',
    settings: { 'singularity.nodes': [], ...oneCloudSettings(cloud) },
    workspaceFiles: { '.env': 'SESSION_COOKIE=old-value\n', 'deploy.py': 'TOKEN = None\n' },
  });
});

afterAll(async () => {
  await editor?.close();
  await cloud?.close();
});

describe('privacy in VS Code', () => {
  it('withholds a changed .env from a cloud review and redacts a token in the other diff', async () => {
    const page = editor.page;
    await setCloudKey(editor, 'e2e-cloud', CLOUD_KEY);

    commitAll(editor.workspaceDir);
    writeFileSync(join(editor.workspaceDir, '.env'), 'SESSION_COOKIE=qz81-env-only-value\n');
    writeFileSync(join(editor.workspaceDir, 'deploy.py'), 'TOKEN = "glpat-xK3mP9vQ2rT7wY1zB5nC"\n');
    await editor.runCommand('Singularity: Review Changed Files (git)');
    const report = page.locator('.editor-instance .monaco-editor .view-lines').filter({ hasText: 'Review of Changed Files' });
    await report.waitFor({ timeout: 30_000 });
    // Monaco renders spaces as no-break spaces: \s matches both.
    await page.waitForFunction(() => /Items:\s2\s·\sok:\s2/.test(document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent ?? ''));

    const sent = cloud.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => JSON.stringify(r.body));
    expect(sent).toHaveLength(2);
    expect(sent.join('\n')).not.toMatch(/qz81-env-only-value|glpat-xK3m/);
    expect(sent.join('\n')).toContain('[REDACTED:gitlab-token]');
    await editor.screenshot('privacy-review-withheld');
  });
});

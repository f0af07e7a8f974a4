// The extension's manifest in a real editor: installed, its view container and its commands are there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchEditor, type Editor } from './harness';

describe('smoke: extension installed in code-server', () => {
  let editor: Editor | undefined;

  beforeAll(async () => {
    editor = await launchEditor({ name: 'smoke', workspaceFiles: { 'README.md': '# smoke\n', 'src/hello.ts': 'export const hello = 1;\n' } });
  });

  afterAll(async () => {
    await editor?.close();
  });

  it('loads the workbench with the workspace open', async () => {
    const page = editor!.page;
    await page.locator('.part.statusbar').waitFor();
    await page.getByRole('treeitem', { name: 'README.md' }).waitFor();
  });

  it('shows the Singularity tab in the activity bar', async () => {
    const page = editor!.page;
    const tab = page.getByRole('tab', { name: /Singularity/ });
    expect(await tab.count()).toBe(1);
    await editor!.openChatView();
    // The view container opened in the side bar with its "Chat" view.
    await page.locator('.part.sidebar').getByText(/Singularity/i).first().waitFor();
    await editor!.screenshot('smoke-activity-bar');
  });

  it('lists "Singularity: Open Chat" in the command palette', async () => {
    const labels = await editor!.listCommands('Singularity', 'Singularity: Open Chat');
    expect(labels).toContain('Singularity: Open Chat');
    expect(labels).toContain('Singularity: New Chat');
  });
});

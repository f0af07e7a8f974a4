import * as vscode from 'vscode';
import type { Example, ExampleLibrary } from '../core/learning/examples';

const SHOW_LOG = 'Show the learning log';

function describe(e: Example): vscode.QuickPickItem & { example: Example } {
  const judged = e.successes + e.failures;
  return {
    example: e,
    label: `${e.pinned ? '$(pinned) ' : ''}${e.prompt.replace(/\s+/g, ' ').slice(0, 80)}`,
    description: `${e.status} · ${e.taskType}`,
    detail: `used ${e.uses}× (${judged ? `${e.successes} of ${judged} accepted` : 'no verdict yet'}) · from ${e.source === 'thumbsUp' ? 'a thumbs-up' : 'a cloud answer after a rerouted node answer'}`,
  };
}

async function openMarkdown(content: string): Promise<void> {
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }));
}

/**
 * "Singularity: Manage Few-Shot Examples": this workspace's examples as a list; pick one to view, pin, unpin
 * or delete it, or open the log of what the library did and why. `library`: the current services' (a demo's
 * are its own).
 */
export function registerExampleCommands(current: () => ExampleLibrary, workspace: string): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('singularity.manageExamples', async () => {
      const library = current();
      const examples = await library.list({ workspace });
      const picked = await vscode.window.showQuickPick<vscode.QuickPickItem & { example?: Example }>(
        [...examples.map(describe), { label: SHOW_LOG, description: `${examples.length} examples` }],
        { title: 'Singularity: few-shot examples of this workspace', placeHolder: examples.length ? 'Pick an example to view, pin or delete it' : 'No examples yet: a thumbs-up on an answer adds one' },
      );
      if (!picked) return;
      if (!picked.example) {
        const lines = (await library.logs(200)).map((l) => `- ${new Date(l.at).toISOString()} **${l.event}**${l.exampleId ? ` \`${l.exampleId}\`` : ''}: ${String(l.details.why ?? l.details.requestId ?? '')}`);
        await openMarkdown(`# Singularity learning log\n\n${lines.join('\n') || 'Nothing yet.'}\n`);
        return;
      }
      const e = picked.example;
      const action = await vscode.window.showQuickPick([e.pinned ? 'Unpin' : 'Pin', 'View', 'Delete'], { title: e.prompt.slice(0, 80) });
      if (action === 'Pin' || action === 'Unpin') library.pin(e.id, action === 'Pin');
      if (action === 'Delete') library.delete(e.id);
      if (action === 'View') await openMarkdown(`# Example (${e.status})\n\n## Question\n\n${e.prompt}\n\n## Answer\n\n${e.answer}\n`);
    }),
  ];
}

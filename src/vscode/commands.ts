import * as vscode from 'vscode';
import type { ChatViewProvider } from './chatView';
import type { CloudKeys } from './config';
import { addOllamaNode } from './addNode';
import { setCloudApiKey } from './cloudKey';
import { guardedCommand } from './guardedCommand';

export interface CommandDeps {
  chat: ChatViewProvider;
  keys: CloudKeys;
  log: vscode.LogOutputChannel;
  enterDemo(): Promise<void>;
  stopDemo(): Promise<void>;
}

export function registerCommands({ chat, keys, log, enterDemo, stopDemo }: CommandDeps): vscode.Disposable[] {
  const command = (id: string, run: () => unknown) => guardedCommand(id, run, log);

  return [
    command('singularity.openChat', () => chat.reveal()),
    command('singularity.newChat', async () => {
      await chat.reveal();
      await chat.newChat();
    }),
    command('singularity.showHistory', () => chat.showHistory()),
    command('singularity.askAboutSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.selection.isEmpty) {
        void vscode.window.showWarningMessage('Select some code first, then run "Singularity: Ask About Selection".');
        return;
      }
      const question = await vscode.window.showInputBox({ title: 'Ask about the selection', value: 'Explain this code.', ignoreFocusOut: true });
      if (question) await chat.ask(question, true);
    }),
    command('singularity.addOllamaNode', () => addOllamaNode()),
    command('singularity.setCloudApiKey', () => setCloudApiKey(keys)),
    command('singularity.showLogs', () => log.show()),
    command('singularity.startDemo', () => enterDemo()),
    command('singularity.stopDemo', () => stopDemo()),
  ];
}

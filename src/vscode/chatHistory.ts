// The chat panel's history list, host side: the webview shows the list and asks; here the store is read
// and changed, and the editor's own dialogs ask for a new name and confirm a deletion.

import * as vscode from 'vscode';
import type { Conversations } from '../core/store/conversations';
import type { ConversationHistory } from '../core/store/conversationHistory';
import { titleProblem } from '../core/history/titles';
import type { ConversationAction, HostMessage } from '../shared/protocol';

export interface ChatHistoryDeps {
  /** The current services' stores (a demo has its own, dropped when it ends). */
  conversations(): Conversations;
  history(): ConversationHistory;
  workspaceKey: string;
  post(message: HostMessage): void;
  /** Stops the answers still streaming into the conversation the panel leaves. */
  stopAnswers(): void;
  /** A rename or a deletion is expected to stick even if the window closes next. */
  saveNow(): Promise<void>;
}

export class ChatHistory {
  /** The webview's current search, so a list refreshed after a rename or delete stays filtered. */
  private query = '';

  constructor(private readonly deps: ChatHistoryDeps) {}

  async list(query: string): Promise<void> {
    this.query = query;
    const { workspaceKey, post } = this.deps;
    post({ type: 'conversations', query, items: await this.deps.history().list(workspaceKey, query) });
  }

  async act(action: ConversationAction, id: string): Promise<void> {
    const title = await this.deps.history().title(this.deps.workspaceKey, id);
    if (title === undefined) {
      void vscode.window.showWarningMessage('Singularity: that conversation no longer exists (deleted in another window?).');
      return this.list(this.query);
    }
    if (action === 'open') return this.open(id);
    if (action === 'rename') return this.rename(id, title);
    return this.delete(id, title);
  }

  /** Shows the conversation in the panel; further questions continue it. */
  private async open(id: string): Promise<void> {
    const { workspaceKey, post } = this.deps;
    const conversations = this.deps.conversations();
    if ((await conversations.current(workspaceKey)) !== id) {
      this.deps.stopAnswers();
      conversations.reopen(workspaceKey, id);
    }
    post({ type: 'history', entries: await conversations.messages(id) });
  }

  private async rename(id: string, title: string): Promise<void> {
    const name = await vscode.window.showInputBox({
      title: 'Rename conversation',
      prompt: 'The name shown in the conversation history',
      value: title,
      validateInput: titleProblem,
      ignoreFocusOut: true,
    });
    if (name === undefined) return;
    this.deps.history().rename(this.deps.workspaceKey, id, name);
    await this.deps.saveNow();
    this.list(this.query);
  }

  private async delete(id: string, title: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `Delete the conversation "${title}"?`,
      { modal: true, detail: "Its questions and answers are removed from this workspace's history. This cannot be undone." },
      'Delete',
    );
    if (choice !== 'Delete') return;
    const { workspaceKey, post } = this.deps;
    const conversations = this.deps.conversations();
    const history = this.deps.history();
    const wasOpen = (await conversations.current(workspaceKey)) === id;
    if (wasOpen) this.deps.stopAnswers();
    history.remove(workspaceKey, id);
    // The panel showed it: it now shows the new, empty conversation that takes its place.
    if (wasOpen) post({ type: 'history', entries: await conversations.messages(await conversations.current(workspaceKey)) });
    await this.deps.saveNow();
    this.list(this.query);
  }
}

import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { ask } from '../core/pipeline';
import type { Routing } from '../core/app';
import type { Conversations } from '../core/store/conversations';
import type { RouterData } from '../core/store/routerData';
import type { Logger } from '../core/log';
import type { ChatMessage, ContextItem, HistoryEntry, RouteRequest } from '../core/types';
import { isWebviewMessage, type HostMessage, type StatusInfo, type WebviewMessage } from '../shared/protocol';
import { chatHtmlTemplate } from './chatHtmlTemplate';
import { pageAssets } from './webviewPage';
import { editorContext, mentionedFiles, type FileIndex } from './context';

/** Turns kept as conversation memory for the model; older ones stay in the panel but are not sent. */
const HISTORY_TURNS = 20;

export interface ChatServices {
  routing(): Routing;
  conversations: Conversations;
  /** Thumbs and reroutes become the router's training labels. */
  routerData: RouterData;
  /** Conversations are kept per workspace. */
  workspaceKey: string;
  status(): StatusInfo;
  files: FileIndex;
  log: Logger;
}

/** The chat side panel: a thin adapter between the webview's messages and the core pipeline. */
export class ChatViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'singularity.chat';
  private view: vscode.WebviewView | undefined;
  private ready: Promise<void> = new Promise(() => {});
  private markReady: () => void = () => {};
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ChatServices,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')] };
    view.webview.html = chatHtmlTemplate(pageAssets(view.webview, this.extensionUri, 'chat'));
    view.webview.onDidReceiveMessage((m: unknown) => {
      if (!isWebviewMessage(m)) {
        this.services.log.warn(`Ignored a malformed message from the chat view: ${JSON.stringify(m).slice(0, 200)}`);
        return;
      }
      this.handle(m).catch((err: Error) => this.services.log.error(`Chat view: ${err.stack ?? err.message}`));
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Opens the panel and waits until its script is listening. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    await this.ready;
  }

  postStatus(): void {
    this.post({ type: 'status', status: this.services.status() });
  }

  async newChat(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    this.services.conversations.startNew(this.services.workspaceKey);
    this.post({ type: 'history', entries: [] });
  }

  /** Puts a question in the panel's input, e.g. from "Ask About Selection". */
  async prefill(text: string, includeSelection: boolean): Promise<void> {
    await this.reveal();
    this.post({ type: 'prefill', text, includeSelection });
  }

  /** Asks a question as if typed in the panel. */
  async ask(text: string, includeContext: boolean): Promise<void> {
    await this.reveal();
    await this.answer(text, includeContext);
  }

  private post(message: HostMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        const conversation = this.services.conversations.current(this.services.workspaceKey);
        this.post({ type: 'history', entries: this.services.conversations.messages(conversation) });
        this.postStatus();
        this.markReady();
        return;
      }
      case 'ask':
        return this.answer(m.text, m.includeContext);
      case 'stop':
        this.running.get(m.requestId)?.abort();
        return;
      case 'newChat':
        return this.newChat();
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        return;
      case 'fileQuery':
        this.post({ type: 'fileSuggestions', query: m.query, files: await this.services.files.search(m.query) });
        return;
      case 'feedback':
        // Saved at once, not on the usual debounce: a click is expected to stick even if the window closes next.
        this.services.routerData.thumbs(m.requestId, m.value);
        await this.services.routerData.save();
        this.post({ type: 'feedbackSaved', requestId: m.requestId, value: m.value });
        return;
      case 'reroute':
        return this.reroute(m.requestId);
    }
  }

  /** "Ask the cloud": the answer was not good enough, so the same question goes to the cloud, and the router learns. */
  private async reroute(requestId: string): Promise<void> {
    const question = this.services.conversations.question(requestId);
    if (!question) return;
    const to = randomUUID();
    this.services.routerData.rerouted(requestId, to);
    await this.answer(question.text, false, 'cloud', to);
  }

  private async gatherContext(question: string, includeEditor: boolean): Promise<{ items: ContextItem[]; missing: string[] }> {
    const mentioned = await mentionedFiles(question);
    return { items: [...(includeEditor ? editorContext() : []), ...mentioned.items], missing: mentioned.missing };
  }

  private async answer(question: string, includeContext: boolean, route: RouteRequest = 'auto', requestId: string = randomUUID()): Promise<void> {
    const text = question.trim();
    if (!text) return;
    const { conversations, workspaceKey } = this.services;
    const conversationId = conversations.current(workspaceKey);
    const history = toModelHistory(conversations.messages(conversationId));
    const userEntry: HistoryEntry = { id: randomUUID(), role: 'user', text };
    conversations.addMessage(conversationId, userEntry, requestId);
    this.post({ type: 'answerStart', requestId, userEntry });

    const controller = new AbortController();
    this.running.set(requestId, controller);
    try {
      const context = await this.gatherContext(text, includeContext);
      if (context.missing.length > 0) {
        this.services.log.warn(`@ mentions not found in the workspace: ${context.missing.join(', ')}`);
      }
      const events = ask(
        { id: requestId, question: text, history, context: context.items, route, source: 'panel', category: 'chat', conversationId, signal: controller.signal },
        this.services.routing().deps,
      );
      for await (const event of events) {
        if (event.type === 'token') this.post({ type: 'token', requestId, text: event.text });
        else if (event.type === 'routed') this.post({ type: 'answerMeta', requestId, meta: event.meta });
        else {
          const { result } = event;
          const missingNote = context.missing.length > 0 ? ` (not found, not sent: @${context.missing.join(', @')})` : '';
          const entry: HistoryEntry = {
            id: randomUUID(),
            role: 'assistant',
            text: result.text,
            requestId,
            ...(result.meta ? { meta: result.meta } : {}),
            ...(result.error ? { error: result.error + missingNote } : {}),
            ...(result.outcome === 'cancelled' ? { cancelled: true } : {}),
          };
          conversations.addMessage(conversationId, entry, requestId);
          this.post({ type: 'answerEnd', requestId, entry });
          if (result.error) this.services.log.warn(`Request ${requestId}: ${result.error}`);
        }
      }
    } finally {
      this.running.delete(requestId);
    }
  }
}

/** Finished turns as model messages; failed or stopped answers are not repeated back to the model. */
function toModelHistory(entries: HistoryEntry[]): ChatMessage[] {
  return entries
    .filter((e) => !e.error && !e.cancelled && e.text)
    .slice(-HISTORY_TURNS)
    .map((e) => ({ role: e.role, content: e.text }));
}

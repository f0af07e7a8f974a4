import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { offerStandInAsDefault } from './standInOffer';
import { ask } from '../core/pipeline';
import { applyCode, insertCode } from './workspaceEdits';
import type { Routing } from '../core/app';
import type { Conversations } from '../core/store/conversations';
import type { ConversationHistory } from '../core/store/conversationHistory';
import { ChatHistory } from './chatHistory';
import type { Feedback } from '../core/learning/feedback';
import type { Logger } from '../core/log';
import type { ChatMessage, ContextItem, HistoryEntry, RouteRequest } from '../core/types';
import type { AskResult } from '../core/request';
import { isWebviewMessage, type ActiveContextInfo, type ChunkRef, type HostMessage, type ImageAttachment, type StatusInfo, type WebviewMessage } from '../shared/protocol';
import { ContextChunks } from '../core/context/pins';
import { implicitContext } from './contextSources';
import { readContextSettings } from './config';
import { chatHtmlTemplate } from './chatHtmlTemplate';
import { fromAttachments, NOTHING_ATTACHED, thumbnails, type Attached } from './imageAttachments';
import { pageAssets } from './webviewPage';
import { editorContext, mentionedFiles, type FileIndex } from './context';

/** Turns kept as conversation memory for the model; older ones stay in the panel but are not sent. */
const HISTORY_TURNS = 20;

export interface ChatServices {
  routing(): Routing;
  /** The current services' (a demo has its own, dropped when it ends). */
  conversations(): Conversations;
  /** The history list of the workspace's conversations, in the current services' store. */
  history(): ConversationHistory;
  /** Thumbs, reroutes, copies, inserts and regenerations: the router's labels and the examples' evidence. */
  feedback(): Feedback;
  /** Conversations are kept per workspace. */
  workspaceKey: string;
  status(): StatusInfo;
  /** Writes the store to disk now (a click is expected to stick even if the window closes next). */
  saveNow(): Promise<void>;
  files: FileIndex;
  /** Parses a file picked from the @ list ahead of the question. */
  mentionPicked(path: string): void;
  log: Logger;
}

/** The chat side panel: a thin adapter between the webview's messages and the core pipeline. */
export class ChatViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'singularity.chat';
  private view: vscode.WebviewView | undefined;
  private markReady: () => void = () => {};
  /** Resolves when the webview's script listens; made before the view exists, so reveal() can wait for a first open. */
  private ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));
  private readonly running = new Map<string, AbortController>();
  private readonly contextChunks = new ContextChunks();
  private activeContext: ActiveContextInfo | undefined;
  private readonly history: ChatHistory;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: ChatServices,
  ) {
    this.history = new ChatHistory({
      conversations: () => services.conversations(),
      history: () => services.history(),
      workspaceKey: services.workspaceKey,
      post: (m) => this.post(m),
      stopAnswers: () => this.stopAnswers(),
      saveNow: () => services.saveNow(),
    });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')] };
    view.webview.html = chatHtmlTemplate(pageAssets(view.webview, this.extensionUri, 'chat'));
    view.webview.onDidReceiveMessage((m: unknown) => {
      if (!isWebviewMessage(m)) {
        this.services.log.warn(`Ignored a malformed message from the chat view: ${JSON.stringify(m).slice(0, 200)}`);
        return;
      }
      this.handle(m).catch((err: Error) => this.services.log.error(`Chat view: ${err.stack ?? err.message}`));
    });
    view.onDidDispose(() => {
      this.view = undefined;
      this.ready = new Promise((resolve) => (this.markReady = resolve));
    });
  }

  /** Opens the panel and waits until its script is listening. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    await this.ready;
  }

  /** What the next question would include from the editor (kept for a panel opened later). */
  showActiveContext(context: ActiveContextInfo | undefined): void {
    this.activeContext = context;
    this.post({ type: 'activeContext', ...(context ? { context } : {}) });
  }

  postStatus(): void {
    this.post({ type: 'status', status: this.services.status() });
  }

  async newChat(): Promise<void> {
    this.stopAnswers();
    this.services.conversations().startNew(this.services.workspaceKey);
    this.post({ type: 'history', entries: [] });
  }

  /** The services changed (a demo started or ended): what runs stops, and the panel shows their conversation. */
  servicesChanged(): void {
    this.stopAnswers();
    void this.postHistory();
    this.postStatus();
  }

  private async postHistory(): Promise<void> {
    const conversations = this.services.conversations();
    const conversation = await conversations.current(this.services.workspaceKey);
    this.post({ type: 'history', entries: await conversations.messages(conversation) });
  }

  /** Opens the panel on its history list ("Show Conversation History"). */
  async showHistory(): Promise<void> {
    await this.reveal();
    this.post({ type: 'showHistory' });
  }

  private stopAnswers(): void {
    for (const controller of this.running.values()) controller.abort();
  }

  /** Puts a question in the panel's input, e.g. from "Ask About Selection". */
  async prefill(text: string, includeSelection: boolean): Promise<void> {
    await this.reveal();
    this.post({ type: 'prefill', text, includeSelection });
  }

  /** Asks a question as if typed in the panel, with images when given (Explain Screenshot). */
  async ask(text: string, includeContext: boolean, attached: Attached = NOTHING_ATTACHED): Promise<void> {
    await this.reveal();
    await this.answer(text, includeContext, 'auto', randomUUID(), attached);
  }

  /** Puts images in the composer (Capture Screenshot): the user adds a question, or removes them. */
  async attachImages(images: ImageAttachment[]): Promise<void> {
    await this.reveal();
    this.post({ type: 'attachImages', images });
  }

  private post(message: HostMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        void this.postHistory();
        this.postStatus();
        this.showActiveContext(this.activeContext);
        this.markReady();
        return;
      }
      case 'ask':
        return this.answer(m.text, m.includeContext, 'auto', randomUUID(), fromAttachments(m.images, m.visionMode));
      case 'stop':
        this.running.get(m.requestId)?.abort();
        return;
      case 'newChat':
        return this.newChat();
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        if (m.requestId) await this.services.feedback().codeUsed(m.requestId, 'copy');
        return;
      case 'insert':
      case 'apply':
        // Code put into the file is the answer used, whether it went in at the cursor or replaced a declaration.
        if (await (m.type === 'insert' ? insertCode(m.text) : applyCode(m.text))) await this.services.feedback().codeUsed(m.requestId, 'insert');
        return;
      case 'fileQuery':
        this.post({ type: 'fileSuggestions', query: m.query, files: await this.services.files.search(m.query) });
        return;
      case 'mentionPicked':
        this.services.mentionPicked(m.path);
        return;
      case 'feedback':
        // Saved at once, not on the usual debounce: a click is expected to stick even if the window closes next.
        await this.services.feedback().thumbs(m.requestId, m.value, m.reason);
        await this.services.saveNow();
        this.post({ type: 'feedbackSaved', requestId: m.requestId, value: m.value });
        return;
      case 'reroute':
        return this.reroute(m.requestId);
      case 'regenerate':
        return this.regenerate(m.requestId);
      case 'chunkAction':
        return this.chunkAction(m.requestId, m.action, m.chunk);
      case 'listConversations':
        return this.history.list(m.query);
      case 'conversationAction':
        return this.history.act(m.action, m.id);
    }
  }

  /** The conversation's pinned chunks join the context; the request's context is kept for "expand" and "pin". */
  private withPins(requestId: string, conversationId: string, items: ContextItem[]): ContextItem[] {
    const withPins = this.contextChunks.withPins(conversationId, items);
    this.contextChunks.remember(requestId, conversationId, withPins);
    return withPins;
  }

  private chunkAction(requestId: string, action: 'expand' | 'pin', chunk: ChunkRef): void {
    if (action === 'pin') {
      this.post({ type: 'chunkPinned', requestId, chunk, pinned: this.contextChunks.togglePin(requestId, chunk) });
      return;
    }
    const text = this.contextChunks.text(requestId, chunk) ?? '(no longer available: only the context of the latest questions is kept)';
    this.post({ type: 'chunkText', requestId, chunk, text });
  }

  /**
   * "Regenerate": the same question again, on the same route (a cloud answer is regenerated by the cloud, a node
   * answer by the nodes); the first answer counts as not accepted (unless thumbed up).
   */
  private async regenerate(requestId: string): Promise<void> {
    const question = await this.services.conversations().question(requestId);
    if (!question) return;
    const to = randomUUID();
    await this.services.feedback().regenerated(requestId, to);
    await this.answer(question.text, false, (await this.services.conversations().answerRoute(requestId)) ?? 'auto', to);
  }

  /** "Ask the cloud": the answer was not good enough, so the same question goes to the cloud, and the router learns. */
  private async reroute(requestId: string): Promise<void> {
    const question = await this.services.conversations().question(requestId);
    if (!question) return;
    const to = randomUUID();
    await this.services.feedback().rerouted(requestId, to, false);
    await this.answer(question.text, false, 'cloud', to);
  }

  private async gatherContext(question: string, includeEditor: boolean): Promise<{ items: ContextItem[]; missing: string[] }> {
    const mentioned = await mentionedFiles(question);
    const attached = [...(includeEditor ? editorContext() : []), ...mentioned.items];
    const implicit = includeEditor ? await implicitContext(question, attached, readContextSettings().settings) : [];
    return { items: [...attached, ...implicit], missing: mentioned.missing };
  }

  private async answer(question: string, includeContext: boolean, route: RouteRequest = 'auto', requestId: string = randomUUID(), attached: Attached = NOTHING_ATTACHED): Promise<void> {
    const { images, mode: visionMode } = attached;
    const text = question.trim() || (images.length > 0 ? 'Explain this screenshot.' : '');
    if (!text) return;
    // The services when asked: an answer that ends after a switch is written where its question was.
    const conversations = this.services.conversations();
    const { workspaceKey } = this.services;
    const conversationId = await conversations.current(workspaceKey);
    const history = toModelHistory(await conversations.messages(conversationId));
    const thumbs = images.length > 0 ? await thumbnails(images) : [];
    const userEntry: HistoryEntry = { id: randomUUID(), role: 'user', text, ...(thumbs.length > 0 ? { images: thumbs } : {}) };
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
        { id: requestId, question: text, history, context: this.withPins(requestId, conversationId, context.items), route, source: 'panel', category: 'chat', conversationId, workspace: this.services.workspaceKey, signal: controller.signal, ...(images.length > 0 ? { images, visionMode } : {}) },
        this.services.routing().deps,
      );
      // After an escalation the cloud's answer streams under its own request id.
      let current = requestId;
      const missingNote = context.missing.length > 0 ? ` (not found, not sent: @${context.missing.join(', @')})` : '';
      for await (const event of events) {
        if (event.type === 'token') this.post({ type: 'token', requestId: current, text: event.text });
        else if (event.type === 'thinking') this.post({ type: 'thinking', requestId: current, text: event.text });
        else if (event.type === 'routed') this.post({ type: 'answerMeta', requestId: current, meta: event.meta });
        else if (event.type === 'escalated') {
          const draft = assistantEntry(event.draft, current, '');
          conversations.addMessage(conversationId, draft, current);
          this.post({ type: 'answerEscalated', from: current, to: event.to, draft });
          this.running.set(event.to, controller);
          current = event.to;
        } else if (event.type === 'end') {
          const { result } = event;
          const entry = assistantEntry(result, current, missingNote);
          conversations.addMessage(conversationId, entry, current);
          this.post({ type: 'answerEnd', requestId: current, entry });
          if (result.meta?.standIn) void offerStandInAsDefault(result.meta);
          if (result.error) this.services.log.warn(`Request ${current}: ${result.error}`);
          this.running.delete(current);
        }
      }
    } finally {
      this.running.delete(requestId);
    }
  }
}

function assistantEntry(result: AskResult, requestId: string, errorNote: string): HistoryEntry {
  return {
    id: randomUUID(),
    role: 'assistant',
    text: result.text,
    ...(result.thinking ? { thinking: result.thinking } : {}),
    requestId,
    ...(result.meta ? { meta: result.meta } : {}),
    ...(result.error ? { error: result.error + errorNote } : {}),
    ...(result.outcome === 'cancelled' ? { cancelled: true } : {}),
  };
}

/** Finished turns as model messages; failed, stopped or escalated answers are not repeated back to the model. */
function toModelHistory(entries: HistoryEntry[]): ChatMessage[] {
  return entries
    .filter((e) => !e.error && !e.cancelled && e.text && !e.meta?.quality?.escalatedTo)
    .slice(-HISTORY_TURNS)
    .map((e) => ({ role: e.role, content: e.text }));
}

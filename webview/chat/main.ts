// Entry point of the chat webview. The page markup comes from src/vscode/chatHtmlTemplate.ts; this
// wires it to the host: every HostMessage is handled here, and user actions become WebviewMessages.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ActiveContextInfo, HostMessage, StatusInfo } from '../../src/shared/protocol';
import { MentionPicker } from './mentions';
import { showChunkHostMessage, wireContextReports } from './contextReport';
import { codeForCopyButton, feedbackForButton, markFeedbackSaved, MessageList, questionForRetryButton, requestIdOf, showCopied, showReasonBox } from './messages';
import { type ChatState, vscode } from './vscodeApi';
import { Attachments } from './attachments';
import { HistoryPane } from './history';

const ui = {
  status: byId('status'),
  demoBadge: byId('demo-badge'),
  newChat: byId('new-chat'),
  historyButton: byId('history-button'),
  messages: byId('messages'),
  mentions: byId('mentions'),
  input: byId('input') as HTMLTextAreaElement,
  // A native checkbox, not vscode-checkbox: that one has an id="input" in its shadow root, which
  // Playwright's shadow-piercing '#input' would confuse with the message box.
  includeContext: byId('include-context') as HTMLInputElement,
  activeContext: byId('active-context'),
  send: byId('send'),
  stop: byId('stop'),
  attachments: byId('attachments'),
};

const messages = new MessageList(ui.messages);
const mentions = new MentionPicker(
  ui.input,
  ui.mentions,
  (query) => vscode.postMessage({ type: 'fileQuery', query }),
  (path) => vscode.postMessage({ type: 'mentionPicked', path }),
);
const attachments = new Attachments(ui.attachments, byId('attachment-list'), byId('image-mode') as HTMLSelectElement, byId('attachment-notice'));
const history = new HistoryPane(
  byId('history-pane'),
  byId('history-search') as HTMLInputElement,
  byId('history-list'),
  byId('history-empty'),
  ui.historyButton,
  (m) => vscode.postMessage(m),
);
/** The request whose answer is streaming; while set, Send is replaced by Stop. */
let activeRequest: string | undefined;

restoreState(vscode.getState() ?? { draft: '', includeContext: true });
wireUserActions();
window.addEventListener('message', (event: MessageEvent<HostMessage>) => handleHostMessage(event.data));
vscode.postMessage({ type: 'ready' });
ui.input.focus();

function handleHostMessage(message: HostMessage): void {
  switch (message.type) {
    case 'history':
      messages.replaceAll(message.entries);
      setActiveRequest(undefined);
      break;
    case 'status':
      showStatus(message.status);
      break;
    case 'answerStart':
      // A question asked from a command while the list is shown: the answer is what the user wants to see.
      history.close();
      messages.startAnswer(message.requestId, message.userEntry);
      setActiveRequest(message.requestId);
      break;
    case 'token':
      messages.appendToken(message.requestId, message.text);
      break;
    case 'thinking':
      messages.appendThinking(message.requestId, message.text);
      break;
    case 'answerMeta':
      messages.setMeta(message.requestId, message.meta);
      break;
    case 'answerEnd':
      messages.endAnswer(message.requestId, message.entry);
      if (message.requestId === activeRequest) setActiveRequest(undefined);
      break;
    case 'answerEscalated':
      messages.escalate(message.from, message.to, message.draft);
      if (activeRequest === message.from) setActiveRequest(message.to);
      break;
    case 'fileSuggestions':
      mentions.showSuggestions(message.query, message.files);
      break;
    case 'feedbackSaved':
      markFeedbackSaved(ui.messages, message.requestId, message.value);
      break;
    case 'chunkText':
    case 'chunkPinned':
      showChunkHostMessage(ui.messages, message);
      break;
    case 'activeContext':
      showActiveContext(message.context);
      break;
    case 'attachImages':
      history.close();
      attachments.add(message.images);
      ui.input.focus();
      break;
    case 'conversations':
      history.show(message.query, message.items);
      break;
    case 'showHistory':
      history.open();
      break;
    case 'prefill':
      history.close();
      ui.input.value = message.text;
      ui.includeContext.checked = message.includeSelection;
      saveState();
      ui.input.focus();
      break;
  }
}

function wireUserActions(): void {
  wireContextReports(ui.messages, (m) => vscode.postMessage(m));
  ui.input.addEventListener('keydown', (event) => {
    if (mentions.handleKey(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  ui.input.addEventListener('input', () => {
    mentions.onInput();
    saveState();
  });
  ui.includeContext.addEventListener('change', saveState);
  // Images pasted into the message box or dropped on the panel become attachments.
  ui.input.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.some((f) => f.type.startsWith('image/'))) {
      event.preventDefault();
      void attachments.addFiles(files);
    }
  });
  document.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  document.addEventListener('drop', (event) => {
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    void attachments.addFiles(files);
  });
  ui.send.addEventListener('click', send);
  ui.stop.addEventListener('click', () => {
    if (activeRequest) vscode.postMessage({ type: 'stop', requestId: activeRequest });
  });
  ui.newChat.addEventListener('click', () => {
    history.close();
    vscode.postMessage({ type: 'newChat' });
  });
  ui.historyButton.addEventListener('click', () => (history.isOpen ? history.close() : history.open()));
  ui.messages.addEventListener('click', (event) => {
    const target = event.target as Element;
    const copy = target.closest('.copy-code');
    if (copy) {
      const requestId = requestIdOf(copy);
      vscode.postMessage({ type: 'copy', text: codeForCopyButton(copy), ...(requestId ? { requestId } : {}) });
      showCopied(copy);
      return;
    }
    for (const [selector, type] of [['.insert-code', 'insert'], ['.apply-code', 'apply']] as const) {
      const button = target.closest(selector);
      const requestId = button && requestIdOf(button);
      if (requestId) {
        vscode.postMessage({ type, text: codeForCopyButton(button), requestId });
        return;
      }
    }
    const thumb = target.closest('.feedback-button');
    const feedback = thumb && feedbackForButton(thumb);
    if (feedback) {
      vscode.postMessage({ type: 'feedback', ...feedback });
      if (feedback.value === -1) askReason(thumb.parentElement!, feedback.requestId);
      return;
    }
    for (const [selector, type] of [['.reroute-answer', 'reroute'], ['.regenerate-answer', 'regenerate']] as const) {
      const button = target.closest(selector);
      const requestId = button && requestIdOf(button);
      if (requestId && !activeRequest) {
        vscode.postMessage({ type, requestId });
        return;
      }
    }
    const retry = target.closest('.retry-answer');
    const question = retry && questionForRetryButton(retry);
    if (question && !activeRequest) vscode.postMessage({ type: 'ask', text: question, includeContext: ui.includeContext.checked });
  });
}

function askReason(bar: Element, requestId: string): void {
  const box = showReasonBox(bar);
  box.focus();
  box.onkeydown = (event) => {
    if (event.key !== 'Enter' || !box.value.trim()) return;
    vscode.postMessage({ type: 'feedback', requestId, value: -1, reason: box.value.trim() });
    box.remove();
  };
}

function send(): void {
  const text = ui.input.value.trim();
  // One answer at a time: Enter during streaming keeps the draft for when it is done.
  if ((!text && attachments.count === 0) || activeRequest) return;
  vscode.postMessage({ type: 'ask', text, includeContext: ui.includeContext.checked, ...attachments.take() });
  ui.input.value = '';
  mentions.close();
  saveState();
}

function setActiveRequest(requestId: string | undefined): void {
  activeRequest = requestId;
  ui.send.hidden = requestId !== undefined;
  ui.stop.hidden = requestId === undefined;
}

function showStatus(status: StatusInfo): void {
  const nodes = status.totalNodes === 0 ? 'no nodes' : `${status.healthyNodes}/${status.totalNodes} nodes`;
  // A refused key must show even though a node answered in its place.
  const rejected = status.rejectedKeys ?? [];
  const cloud = rejected.length > 0 ? 'cloud ✗ key rejected' : status.cloudConfigured ? 'cloud ✓' : 'no cloud';
  ui.status.textContent = `${nodes} · ${cloud}`;
  const cloudTitle = rejected.length > 0 ? rejected.map((r) => r.message).join(' ') : `cloud ${status.cloudConfigured ? 'configured' : 'not configured'}`;
  ui.status.title = `${status.healthyNodes} of ${status.totalNodes} Ollama nodes reachable; ${cloudTitle}`;
  ui.status.classList.toggle('offline', status.healthyNodes === 0 && !status.cloudConfigured);
  ui.status.classList.toggle('key-rejected', rejected.length > 0);
  ui.demoBadge.hidden = !status.demo;
  // "Ask the cloud" only where the cloud may answer: under answers already shown too.
  document.body.classList.toggle('cloud-unavailable', !status.cloudConfigured || !!status.localOnly);
}

/** "Include big.ts · 10,416 tokens"; the tooltip also says when its files were parsed ahead for compression. */
function showActiveContext(context: ActiveContextInfo | undefined): void {
  ui.activeContext.textContent = context ? `Include ${context.label} · ${context.tokens.toLocaleString('en-US')} tokens` : 'Include selection / active file';
  const prepared = context?.preparedMs !== undefined ? ` (parsed ahead for context compression in ${context.preparedMs} ms)` : '';
  ui.activeContext.title = `${ui.activeContext.textContent}${prepared}`;
  ui.activeContext.dataset.prepared = String(context?.preparedMs !== undefined);
}

function restoreState(state: ChatState): void {
  ui.input.value = state.draft;
  ui.includeContext.checked = state.includeContext;
}

function saveState(): void {
  vscode.setState({ draft: ui.input.value, includeContext: ui.includeContext.checked });
}

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`chat webview: #${id} is missing from the page`);
  return element;
}

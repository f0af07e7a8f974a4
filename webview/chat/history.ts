// The history list inside the chat panel: the workspace's earlier conversations, searchable, each with
// Reopen (click the row), Rename and Delete. The host owns the data and the dialogs; this only shows the
// list it sends and says what the user picked.

import type { ConversationAction, ConversationSummary, WebviewMessage } from '../../src/shared/protocol';
import { codicon } from './codicon';

/** Typing pauses this long before the host is asked to search. */
const SEARCH_DELAY_MS = 150;

export class HistoryPane {
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pane: HTMLElement,
    private readonly search: HTMLInputElement,
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly toggle: HTMLElement,
    private readonly post: (m: WebviewMessage) => void,
  ) {
    search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.post({ type: 'listConversations', query: this.search.value }), SEARCH_DELAY_MS);
    });
    pane.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    list.addEventListener('click', (event) => {
      const target = event.target as Element;
      const id = target.closest<HTMLElement>('.history-item')?.dataset.id;
      const action = target.closest<HTMLElement>('[data-action]')?.dataset.action as ConversationAction | undefined;
      if (!id || !action) return;
      this.post({ type: 'conversationAction', action, id });
      if (action === 'open') this.close();
    });
  }

  get isOpen(): boolean {
    return !this.pane.hidden;
  }

  /** Shows the list (asking the host for it) in place of the conversation. */
  open(): void {
    this.setOpen(true);
    this.post({ type: 'listConversations', query: this.search.value });
    this.search.focus();
  }

  close(): void {
    this.setOpen(false);
  }

  /** The host's list; an answer to an older search than what the box holds now is ignored. */
  show(query: string, items: ConversationSummary[], now = Date.now()): void {
    if (query !== this.search.value) return;
    this.list.replaceChildren(...items.map((c) => historyItem(c, now)));
    this.empty.hidden = items.length > 0;
    this.empty.textContent = query.trim() ? `No conversation mentions "${query.trim()}".` : 'No conversations yet in this workspace.';
  }

  private setOpen(open: boolean): void {
    this.pane.hidden = !open;
    document.body.classList.toggle('showing-history', open);
    this.toggle.setAttribute('aria-pressed', String(open));
  }
}

function historyItem(c: ConversationSummary, now: number): HTMLElement {
  const item = document.createElement('li');
  item.className = 'history-item';
  item.dataset.id = c.id;
  item.classList.toggle('open', c.open);

  const reopen = button('history-open', 'open', c.open ? 'Back to this conversation (open now)' : 'Reopen this conversation');
  const title = Object.assign(document.createElement('span'), { className: 'history-title', textContent: c.title || '(untitled)' });
  const questions = `${c.questions} question${c.questions === 1 ? '' : 's'}`;
  const detail = Object.assign(document.createElement('span'), { className: 'history-detail', textContent: `${whenLabel(c.updatedAt, now)} · ${questions}` });
  detail.title = `Started ${new Date(c.createdAt).toLocaleString()}, last message ${new Date(c.updatedAt).toLocaleString()}`;
  const models = Object.assign(document.createElement('span'), { className: 'history-models', textContent: c.answeredBy.join(', ') });
  models.title = `Answered by ${models.textContent || 'no model yet'}`;
  reopen.append(title, detail, models);

  const rename = button('history-rename', 'rename', `Rename "${c.title}"`);
  rename.append(codicon('edit'));
  const remove = button('history-delete', 'delete', `Delete "${c.title}"`);
  remove.append(codicon('trash'));
  item.append(reopen, rename, remove);
  return item;
}

function button(className: string, action: ConversationAction, label: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = className;
  b.dataset.action = action;
  b.title = label;
  b.setAttribute('aria-label', label);
  return b;
}

/** "14:05" today, "Yesterday 14:05", "2 Dec" this year, "2 Dec 2025" before. */
export function whenLabel(at: number, now: number): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(new Date(now)) - day(date)) / 86_400_000);
  if (days === 0) return time;
  if (days === 1) return `Yesterday ${time}`;
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}

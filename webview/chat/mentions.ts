// @file mentions: typing "@abc" asks the host for matching workspace files and shows them in a
// dropdown above the input. Picking one inserts "@path " and tells the host (which parses the file ahead);
// the host resolves mentions when it gets 'ask'.

import { codicon } from './codicon';

const QUERY_DEBOUNCE_MS = 100;
const MAX_ITEMS = 12;

interface Mention {
  /** Index of the "@" in the input's value. */
  start: number;
  query: string;
}

export class MentionPicker {
  private query: string | undefined;
  private files: string[] = [];
  private selected = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly list: HTMLElement,
    private readonly requestFiles: (query: string) => void,
    private readonly picked: (file: string) => void,
  ) {
    // mousedown, not click: picking must happen before the input loses focus and the list closes.
    list.addEventListener('mousedown', (event) => {
      const item = (event.target as Element).closest<HTMLElement>('.mention-item');
      if (!item) return;
      event.preventDefault();
      this.pick(Number(item.dataset.index));
    });
    input.addEventListener('blur', () => this.close());
  }

  /** Call on every input event: (re)starts a query when the caret is at the end of an @mention. */
  onInput(): void {
    clearTimeout(this.debounce);
    const query = mentionAtCaret(this.input)?.query;
    if (!query) {
      this.close();
      return;
    }
    this.query = query;
    this.debounce = setTimeout(() => this.requestFiles(query), QUERY_DEBOUNCE_MS);
  }

  /** Shows the host's answer, unless the user has typed on since asking. */
  showSuggestions(query: string, files: string[]): void {
    if (query !== this.query) return;
    this.files = files.slice(0, MAX_ITEMS);
    this.selected = 0;
    if (this.files.length === 0) this.close();
    else this.render();
  }

  /** Handles navigation keys while the list is open; returns true when the key was used. */
  handleKey(event: KeyboardEvent): boolean {
    if (this.list.hidden) return false;
    switch (event.key) {
      case 'ArrowDown':
        this.move(1);
        break;
      case 'ArrowUp':
        this.move(-1);
        break;
      case 'Enter':
      case 'Tab':
        this.pick(this.selected);
        break;
      case 'Escape':
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  }

  close(): void {
    clearTimeout(this.debounce);
    this.query = undefined;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.input.removeAttribute('aria-activedescendant');
  }

  private move(step: number): void {
    this.selected = (this.selected + step + this.files.length) % this.files.length;
    this.render();
  }

  private pick(index: number): void {
    const file = this.files[index];
    const mention = mentionAtCaret(this.input);
    if (file === undefined || !mention) return this.close();
    const { value, selectionStart } = this.input;
    const inserted = `@${file} `;
    this.input.value = value.slice(0, mention.start) + inserted + value.slice(selectionStart);
    const caret = mention.start + inserted.length;
    this.input.setSelectionRange(caret, caret);
    this.close();
    // Lets the owner persist the draft exactly as if the user had typed the path.
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
    this.picked(file);
  }

  private render(): void {
    this.list.replaceChildren(...this.files.map((file, index) => this.itemElement(file, index)));
    this.list.hidden = false;
    this.input.setAttribute('aria-activedescendant', `mention-${this.selected}`);
    this.list.children[this.selected]?.scrollIntoView({ block: 'nearest' });
  }

  private itemElement(file: string, index: number): HTMLElement {
    const item = document.createElement('div');
    item.className = 'mention-item';
    item.id = `mention-${index}`;
    item.dataset.index = String(index);
    item.setAttribute('role', 'option');
    item.setAttribute('aria-selected', String(index === this.selected));
    const path = document.createElement('span');
    path.textContent = file;
    item.append(codicon('file'), path);
    return item;
  }
}

/** The "@query" that ends at the caret, if any; "@" must start the input or follow whitespace. */
function mentionAtCaret(input: HTMLTextAreaElement): Mention | undefined {
  const match = /(^|\s)@([^\s@]*)$/.exec(input.value.slice(0, input.selectionStart));
  return match ? { start: match.index + match[1].length, query: match[2] } : undefined;
}

// The conversation list: static entries from 'history', and assistant answers that grow as tokens stream in.

import type { AnswerMeta, HistoryEntry } from '../../src/shared/protocol';
import { renderMarkdownInto } from './markdown';
import { imageStrip } from './attachments';
import { settledBoundary } from './incremental';
import { contextReportElement } from './contextReport';
import { codicon } from './codicon';
import { ThinkingBlock } from './thinking';

const ROUTE_ICONS: Record<AnswerMeta['route'], string> = { local: 'device-desktop', lan: 'remote', cloud: 'cloud' };
/** How close to the end (px) still counts as "reading the latest message", so new text keeps it in view. */
const STICKY_SCROLL_PX = 48;
const COPIED_FEEDBACK_MS = 1500;

export class MessageList {
  private answers = new Map<string, AnswerView>();

  constructor(private readonly root: HTMLElement) {}

  replaceAll(entries: HistoryEntry[]): void {
    this.answers.clear();
    this.root.replaceChildren(...entries.map(entryElement));
    this.scrollToEnd();
  }

  startAnswer(requestId: string, userEntry: HistoryEntry): void {
    const answer = new AnswerView((change) => this.keepingEndInView(change));
    this.answers.set(requestId, answer);
    const question = entryElement(userEntry);
    this.root.append(question, answer.element);
    this.scrollToEnd();
    // A question's thumbnails take their height only once decoded, after this scroll: follow them to the answer.
    for (const img of question.querySelectorAll('img')) if (!img.complete) img.addEventListener('load', () => this.scrollToEnd(), { once: true });
  }

  appendToken(requestId: string, text: string): void {
    this.answers.get(requestId)?.append(text);
  }

  appendThinking(requestId: string, text: string): void {
    this.answers.get(requestId)?.appendThinking(text);
  }

  setMeta(requestId: string, meta: AnswerMeta): void {
    this.answers.get(requestId)?.setMeta(meta, requestId);
  }

  /** Tokens and ends of requests not started in this list (e.g. before a 'history' reset) are dropped. */
  endAnswer(requestId: string, entry: HistoryEntry): void {
    this.answers.get(requestId)?.finish(entry);
    this.answers.delete(requestId);
  }

  /** The quality gate replaced the node's answer `from`: it becomes a collapsed draft and the cloud's answer streams below as `to`. */
  escalate(from: string, to: string, draft: HistoryEntry): void {
    if (!this.answers.has(from)) return;
    this.endAnswer(from, draft);
    const answer = new AnswerView((change) => this.keepingEndInView(change));
    this.answers.set(to, answer);
    this.root.append(answer.element);
    this.scrollToEnd();
  }

  private keepingEndInView(change: () => void): void {
    const { scrollHeight, scrollTop, clientHeight } = this.root;
    const atEnd = scrollHeight - scrollTop - clientHeight < STICKY_SCROLL_PX;
    change();
    if (atEnd) this.scrollToEnd();
  }

  private scrollToEnd(): void {
    this.root.scrollTop = this.root.scrollHeight;
  }
}

/**
 * One assistant bubble. While streaming, at most one render per animation frame, and only of the block
 * still growing: finished blocks are rendered once into `settled` (see incremental.ts), so a long answer
 * costs no more per frame than a short one.
 */
class AnswerView {
  readonly element = messageShell('assistant');
  private readonly content = this.element.querySelector<HTMLElement>('.content')!;
  private readonly settled = Object.assign(document.createElement('div'), { className: 'md-settled' });
  private readonly tail = Object.assign(document.createElement('div'), { className: 'md-tail' });
  private settledLength = 0;
  private text = '';
  private frame: number | undefined;
  private meta: AnswerMeta | undefined;
  private thinking: ThinkingBlock | undefined;

  constructor(private readonly applyChange: (change: () => void) => void) {
    this.element.classList.add('streaming');
  }

  appendThinking(text: string): void {
    this.applyChange(() => {
      if (!this.thinking) {
        this.thinking = new ThinkingBlock();
        this.content.before(this.thinking.element);
      }
      this.thinking.append(text);
    });
  }

  append(token: string): void {
    this.thinking?.setFinished(true);
    this.text += token;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.applyChange(() => this.renderIncrement());
    });
  }

  private renderIncrement(): void {
    if (this.tail.parentElement !== this.content) this.content.replaceChildren(this.settled, this.tail);
    const boundary = settledBoundary(this.text, this.settledLength);
    if (boundary > this.settledLength) {
      const block = document.createElement('div');
      renderAnswerText(block, this.text.slice(this.settledLength, boundary));
      this.settled.append(block);
      this.settledLength = boundary;
    }
    renderAnswerText(this.tail, this.text.slice(this.settledLength));
  }

  setMeta(meta: AnswerMeta, requestId: string): void {
    this.meta = meta;
    // A fallback to another target sends a new meta: it replaces the old one.
    this.applyChange(() => {
      this.element.querySelector('.meta')?.remove();
      this.element.querySelector('.context-report')?.remove();
      this.element.append(metaElement(meta));
      if (meta.context) this.element.append(contextReportElement(meta.context, requestId));
    });
  }

  /** The final entry is authoritative: it replaces whatever was streamed (keeping streamed meta if it has none). */
  finish(entry: HistoryEntry): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.applyChange(() => {
      this.element.classList.remove('streaming');
      this.element.dataset.id = entry.id;
      this.thinking?.setFinished(true);
      if (!this.thinking && entry.thinking) this.content.before(new ThinkingBlock(entry.thinking, true).element);
      renderAnswerText(this.content, entry.text);
      this.element.querySelector('.meta')?.remove();
      this.element.querySelector('.context-report')?.remove();
      appendOutcome(this.element, { ...entry, meta: entry.meta ?? this.meta });
      collapseIfDraft(this.element, entry);
    });
  }
}

function entryElement(entry: HistoryEntry): HTMLElement {
  const element = messageShell(entry.role);
  element.dataset.id = entry.id;
  const content = element.querySelector<HTMLElement>('.content')!;
  if (entry.role === 'user') content.textContent = entry.text;
  else renderAnswerText(content, entry.text);
  if (entry.thinking) content.before(new ThinkingBlock(entry.thinking, true).element);
  if (entry.images?.length) content.after(imageStrip(entry.images));
  appendOutcome(element, entry);
  collapseIfDraft(element, entry);
  return element;
}

/** A node's answer the quality gate escalated: folded away under a line that says why. */
function collapseIfDraft(element: HTMLElement, entry: HistoryEntry): void {
  const quality = entry.meta?.quality;
  if (!quality?.escalatedTo) return;
  const details = document.createElement('details');
  details.className = 'draft';
  const summary = document.createElement('summary');
  summary.append(codicon('warning'), Object.assign(document.createElement('span'), { textContent: `Local draft, escalated to the cloud: ${quality.reasons.join('; ')}` }));
  details.append(summary, ...element.childNodes);
  element.replaceChildren(details);
  element.classList.add('escalated');
}

function messageShell(role: HistoryEntry['role']): HTMLElement {
  const element = document.createElement('div');
  element.className = `msg ${role}`;
  const content = document.createElement('div');
  content.className = 'content';
  element.append(content);
  return element;
}

/** Error, "stopped" marker and meta line, in that order under the text. */
function appendOutcome(element: HTMLElement, entry: HistoryEntry): void {
  if (entry.error) {
    const line = iconLine('error', 'error', entry.error);
    const retry = document.createElement('button');
    retry.className = 'retry-answer';
    retry.title = 'Ask the same question again';
    retry.append(codicon('refresh'), Object.assign(document.createElement('span'), { textContent: 'Retry' }));
    line.append(retry);
    element.append(line);
  }
  if (entry.cancelled) element.append(iconLine('stopped', 'debug-stop', 'stopped'));
  if (entry.meta) element.append(metaElement(entry.meta));
  if (entry.meta?.context) element.append(contextReportElement(entry.meta.context, entry.requestId));
  if (entry.requestId) element.dataset.requestId = entry.requestId;
  if (entry.requestId && entry.text && !entry.error && !entry.cancelled && !entry.meta?.quality?.escalatedTo) element.append(feedbackBar(entry));
}

/** Thumbs up/down and, for an answer from a node, "Ask the cloud": what the router learns from. */
function feedbackBar(entry: HistoryEntry): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'feedback';
  bar.dataset.requestId = entry.requestId;
  const thumb = (value: 1 | -1, icon: string, title: string) => {
    const button = document.createElement('button');
    button.className = 'feedback-button';
    button.dataset.value = String(value);
    button.title = title;
    button.setAttribute('aria-pressed', String(entry.feedback === value));
    button.append(codicon(icon));
    return button;
  };
  bar.append(thumb(1, 'thumbsup', 'Good answer'), thumb(-1, 'thumbsdown', 'Bad answer'));
  if (entry.meta && entry.meta.route !== 'cloud') {
    const reroute = document.createElement('button');
    reroute.className = 'reroute-answer';
    reroute.title = 'Not good enough: ask the cloud model the same question';
    reroute.append(codicon('cloud-upload'), Object.assign(document.createElement('span'), { textContent: 'Ask the cloud' }));
    bar.append(reroute);
  }
  const regenerate = document.createElement('button');
  regenerate.className = 'regenerate-answer';
  regenerate.title = 'Ask the same question again (this answer counts as not good enough)';
  regenerate.append(codicon('refresh'), Object.assign(document.createElement('span'), { textContent: 'Regenerate' }));
  bar.append(regenerate);
  return bar;
}

/** After a thumbs-down: an optional line saying what was wrong, sent with the same thumb. */
export function showReasonBox(bar: Element): HTMLInputElement {
  const existing = bar.querySelector<HTMLInputElement>('.feedback-reason');
  if (existing) return existing;
  const input = document.createElement('input');
  input.className = 'feedback-reason';
  input.type = 'text';
  input.maxLength = 2000;
  input.placeholder = 'What was wrong? (optional, Enter to send)';
  bar.append(input);
  return input;
}

/** The request of the answer a control (feedback bar, code block button) belongs to. */
export function requestIdOf(element: Element): string | undefined {
  return element.closest<HTMLElement>('.feedback')?.dataset.requestId ?? element.closest<HTMLElement>('.msg.assistant')?.dataset.requestId;
}

/** Marks the pressed thumb and returns what to send, or undefined when the click was not on a feedback control. */
export function feedbackForButton(button: Element): { requestId: string; value: 1 | -1 } | undefined {
  const requestId = button.closest<HTMLElement>('.feedback')?.dataset.requestId;
  const value = Number((button as HTMLElement).dataset.value);
  if (!requestId || (value !== 1 && value !== -1)) return undefined;
  for (const b of button.parentElement?.querySelectorAll('.feedback-button') ?? []) b.setAttribute('aria-pressed', String(b === button));
  return { requestId, value };
}

/** The host saved the feedback: recorded on the bar (data-saved) for whoever needs to know it stuck. */
export function markFeedbackSaved(root: HTMLElement, requestId: string, value: 1 | -1): void {
  for (const bar of root.querySelectorAll<HTMLElement>('.feedback')) if (bar.dataset.requestId === requestId) bar.dataset.saved = String(value);
}


function renderAnswerText(content: HTMLElement, text: string): void {
  renderMarkdownInto(content, text);
  addCopyButtons(content);
}

function metaElement(meta: AnswerMeta): HTMLElement {
  const parts = [meta.route, meta.node, meta.standIn ? `${meta.model} (${meta.standIn.configured} not installed)` : meta.model];
  if (meta.ttftMs !== undefined) parts.push(`TTFT ${Math.round(meta.ttftMs)} ms`);
  if (meta.tokensPerSecond !== undefined) parts.push(`${meta.tokensPerSecond.toFixed(1)} tok/s`);
  if (meta.redacted) parts.push(`${meta.redacted} secret${meta.redacted === 1 ? '' : 's'} redacted`);
  if (meta.withheld?.length) parts.push(`withheld: ${meta.withheld.join(', ')}`);
  if (meta.quality && !meta.quality.escalatedTo) parts.push(`quality ${meta.quality.score.toFixed(2)}`);
  if (meta.escalatedFrom) parts.push(`escalated: ${meta.escalatedFrom.reason}`);
  if (meta.vision) parts.push(visionSummary(meta.vision));
  const line = iconLine('meta', ROUTE_ICONS[meta.route], parts.filter(Boolean).join(' · '));
  line.title = metaTooltip(meta);
  return line;
}

/** Images: the task mode, the local answer's check, and what answering here saved. */
function visionSummary(v: NonNullable<AnswerMeta['vision']>): string {
  const parts = [`image: ${v.mode}`];
  if (v.localQuality) parts.push(`local quality ${v.localQuality.score.toFixed(2)}${v.localQuality.issues.length ? ` (${v.localQuality.issues.join(', ')})` : ''}`);
  if (v.fellBack) parts.push('cloud fallback');
  if (v.cloudImageTokensAvoided) parts.push(`~${v.cloudImageTokensAvoided} cloud image tokens saved`);
  return parts.join(', ');
}

function metaTooltip(meta: AnswerMeta): string {
  const lines = meta.reason ? [meta.reason] : [];
  if (meta.promptTokens !== undefined && meta.completionTokens !== undefined) {
    lines.push(`${meta.promptTokens} prompt + ${meta.completionTokens} completion tokens`);
  }
  const c = meta.confidence;
  if (c) {
    const margin = c.margin === undefined ? '' : `, top-1/top-2 margin ${c.margin.toFixed(2)}`;
    lines.push(`Token confidence: mean log-prob ${c.meanLogprob.toFixed(2)}, 10th percentile ${c.p10Logprob.toFixed(2)}, ${Math.round(c.lowShare * 100)}% of ${c.tokens} tokens under 10%${margin}`);
  }
  return lines.join('\n');
}

function iconLine(className: string, icon: string, text: string): HTMLElement {
  const line = document.createElement('div');
  line.className = className;
  const label = document.createElement('span');
  label.textContent = text;
  line.append(codicon(icon), label);
  return line;
}

function addCopyButtons(content: HTMLElement): void {
  for (const pre of content.querySelectorAll('pre')) {
    const block = document.createElement('div');
    block.className = 'code-block';
    const button = document.createElement('button');
    button.className = 'copy-code';
    button.title = 'Copy code';
    button.append(codicon('copy'), document.createElement('span'));
    const insert = document.createElement('button');
    insert.className = 'insert-code';
    insert.title = 'Insert at the cursor in the editor';
    insert.append(codicon('insert'));
    const apply = document.createElement('button');
    apply.className = 'apply-code';
    apply.title = 'Apply to file: replace the function or class of the same name in the editor (preview first)';
    apply.append(codicon('diff'));
    pre.replaceWith(block);
    block.append(button, insert, apply, pre);
  }
}

/** The code of the block a copy button belongs to, without the newline markdown-it ends every fence with. */
export function codeForCopyButton(button: Element): string {
  const code = button.parentElement?.querySelector('pre')?.textContent ?? '';
  return code.replace(/\n$/, '');
}

export function showCopied(button: Element): void {
  const [icon, label] = button.children;
  icon.className = 'codicon codicon-check';
  label.textContent = 'Copied';
  setTimeout(() => {
    icon.className = 'codicon codicon-copy';
    label.textContent = '';
  }, COPIED_FEEDBACK_MS);
}

/** The question an answer replied to: the user message just before it in the list. */
export function questionForRetryButton(button: Element): string | undefined {
  const question = button.closest('.msg.assistant')?.previousElementSibling;
  return question?.classList.contains('user') ? (question.querySelector('.content')?.textContent ?? undefined) : undefined;
}

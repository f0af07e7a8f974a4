// A thinking model's reasoning: a collapsed block above the answer. It streams while the model thinks (so the
// panel shows progress instead of nothing for tens of seconds) and stays folded away once the answer begins.
// Plain text: reasoning is never rendered as Markdown or HTML.

import { codicon } from './codicon';

export class ThinkingBlock {
  readonly element = Object.assign(document.createElement('details'), { className: 'thinking' });
  private readonly label = document.createElement('span');
  private readonly body = Object.assign(document.createElement('div'), { className: 'thinking-text' });

  constructor(text = '', finished = false) {
    const summary = document.createElement('summary');
    summary.append(codicon('lightbulb'), this.label);
    this.element.append(summary, this.body);
    this.body.textContent = text;
    this.setFinished(finished);
  }

  append(text: string): void {
    this.body.append(text);
  }

  /** The answer has begun (or the entry is history): the model is no longer thinking. */
  setFinished(finished: boolean): void {
    this.label.textContent = finished ? 'Thought' : 'Thinking…';
    this.element.classList.toggle('active', !finished);
  }
}

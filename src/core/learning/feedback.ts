// Every reaction to an answer, explicit or implicit, is one row in feedback_data (with the route that
// answered), and becomes the router's label and the example library's evidence:
// - thumbs up / down (with an optional reason) is the user's verdict; it overrides implicit signals;
// - "Ask the cloud instead" and the quality gate's automatic escalation are reroutes: the node's answer
//   was not good enough, and the cloud answer's own fate decides whether the cloud was worth it;
// - copying or inserting a code block from an answer counts as accepting it, regenerating as rejecting
//   it, unless the user said otherwise with a thumb.

import type { Store } from '../store/db';
import type { RouterData } from '../store/routerData';
import { newId } from '../store/ids';

export type FeedbackKind = 'thumbs' | 'reroute' | 'autoReroute' | 'copyCode' | 'insertCode' | 'regenerate';

export interface FeedbackEvent {
  requestId: string;
  kind: FeedbackKind;
  /** 1 positive, -1 negative. */
  value: 1 | -1;
  reason?: string;
  /** The request that answered instead (reroutes, regenerations). */
  to?: string;
  at: number;
}

const VALUE: Record<Exclude<FeedbackKind, 'thumbs'>, 1 | -1> = { reroute: -1, autoReroute: -1, copyCode: 1, insertCode: 1, regenerate: -1 };

export class Feedback {
  private readonly listeners = new Set<(event: FeedbackEvent) => void | Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly routerData: RouterData,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called after each piece of feedback is stored (the example library listens); the feedback call waits for it. */
  onFeedback(listener: (event: FeedbackEvent) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async thumbs(requestId: string, value: 1 | -1, reason?: string): Promise<void> {
    const event: FeedbackEvent = { requestId, kind: 'thumbs', value, reason, at: this.now() };
    // The same thumb again (the panel sends the thumb, then the reason typed under it) adds its reason to the one
    // stored: one verdict, one row, which the dashboard counts once.
    const last = await this.lastThumb(requestId);
    if (last?.value === value) {
      if (reason) this.store.write('UPDATE feedback_data SET reason = ? WHERE id = ?', [reason, last.id]);
    } else this.save(event);
    await this.routerData.thumbs(requestId, value);
    await this.notify(event);
  }

  /** The answer was asked again of the cloud, by the user or by the quality gate (`reason` says why). */
  async rerouted(requestId: string, to: string, automatic: boolean, reason?: string): Promise<void> {
    const event: FeedbackEvent = { requestId, kind: automatic ? 'autoReroute' : 'reroute', value: -1, reason, to, at: this.now() };
    this.save(event);
    await this.routerData.rerouted(requestId, to);
    await this.notify(event);
  }

  /** A code block of the answer was copied or inserted into the editor. */
  codeUsed(requestId: string, how: 'copy' | 'insert'): Promise<void> {
    return this.implicit({ requestId, kind: how === 'copy' ? 'copyCode' : 'insertCode', value: VALUE[how === 'copy' ? 'copyCode' : 'insertCode'], at: this.now() });
  }

  /** The same question was asked again (`to` is the new request). */
  regenerated(requestId: string, to: string): Promise<void> {
    return this.implicit({ requestId, kind: 'regenerate', value: VALUE.regenerate, to, at: this.now() });
  }

  /** The explicit thumb on a request, if any. */
  private async explicitThumb(requestId: string): Promise<1 | -1 | undefined> {
    const v = (await this.lastThumb(requestId))?.value;
    return v === 1 || v === -1 ? v : undefined;
  }

  /** By its id, not rowid: writes are replayed onto another window's copy of the file when both save (store/db.ts). */
  private async lastThumb(requestId: string): Promise<{ value: number; id: string } | undefined> {
    return (await this.store.query<{ value: number; id: string }>("SELECT value, id FROM feedback_data WHERE request_id = ? AND kind = 'thumbs' ORDER BY created_at DESC, rowid DESC LIMIT 1", [requestId]))[0];
  }

  private async implicit(event: FeedbackEvent): Promise<void> {
    const explicit = await this.explicitThumb(event.requestId);
    this.save(event);
    if (explicit === undefined) await this.routerData.thumbs(event.requestId, event.value);
    await this.notify(event);
  }

  private save(event: FeedbackEvent): void {
    const reason = event.reason ?? (event.to ? `answered again as ${event.to}` : null);
    this.store.write(
      `INSERT INTO feedback_data (id, request_id, kind, value, reason, route, created_at)
       VALUES (?, ?, ?, ?, ?, (SELECT route FROM requests WHERE id = ?), ?)`,
      [newId(), event.requestId, event.kind, event.value, reason, event.requestId, event.at],
    );
  }

  /** Listeners hear of feedback once the labels it changes are updated. */
  private async notify(event: FeedbackEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }
}

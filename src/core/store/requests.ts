import type { Store } from './db';
import type { Route, TaskKind } from '../types';

/** One row per request, whatever its outcome: the record every metric and the router's training reads. */
export interface RequestRecord {
  id: string;
  conversationId?: string;
  source: 'panel' | 'command' | 'cli' | 'proxy';
  category?: string;
  task?: TaskKind;
  route?: Route;
  node?: string;
  model?: string;
  strategy?: string;
  reason?: string;
  promptTokens?: number;
  completionTokens?: number;
  tokensEstimated: boolean;
  ttftMs?: number;
  totalMs?: number;
  attempts: number;
  outcome: 'ok' | 'cancelled' | 'error';
  error?: string;
  /** Context tokens before and after compression for the cloud (unset when nothing was compressed). */
  contextTokensBefore?: number;
  contextTokensAfter?: number;
  createdAt: number;
}

export class Requests {
  private readonly listeners = new Set<(r: RequestRecord) => void>();

  constructor(readonly store: Store) {}

  /** Called after every recorded request (the dashboard updates live from it). */
  onRecord(listener: (r: RequestRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A node's answer was replaced by the cloud's answer `by`: it saved no cloud tokens after all. */
  replaced(id: string, by: string): void {
    this.store.write('UPDATE requests SET replaced_by = ? WHERE id = ?', [by, id]);
  }

  record(r: RequestRecord): void {
    this.store.write(
      `INSERT INTO requests (id, conversation_id, source, category, task, route, node, model, strategy, reason,
         prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, total_ms, attempts, outcome, error, created_at,
         context_tokens_before, context_tokens_after)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id, r.conversationId ?? null, r.source, r.category ?? null, r.task ?? null, r.route ?? null, r.node ?? null,
        r.model ?? null, r.strategy ?? null, r.reason ?? null, r.promptTokens ?? null, r.completionTokens ?? null,
        r.tokensEstimated ? 1 : 0, r.ttftMs ?? null, r.totalMs ?? null, r.attempts, r.outcome, r.error ?? null, r.createdAt,
        r.contextTokensBefore ?? null, r.contextTokensAfter ?? null,
      ],
    );
    for (const listener of this.listeners) listener(r);
  }

  async count(): Promise<number> {
    return Number((await this.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))[0]?.n ?? 0);
  }
}

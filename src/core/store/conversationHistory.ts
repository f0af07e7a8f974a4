import type { Store } from './db';
import type { ConversationSummary } from '../types';
import { answeredBy } from '../history/titles';

interface SummaryRow {
  id: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  questions: number;
  open: number;
}

/** A LIKE pattern that matches `text` literally anywhere (its own % and _ are not wildcards). */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The history list of a workspace's conversations: listing and searching them, renaming and deleting.
 * Which one is open stays with Conversations.
 */
export class ConversationHistory {
  constructor(private readonly store: Store) {}

  /**
   * The workspace's conversations that have messages, most recently active first; with a query, only
   * those whose title or any message contains it (case-insensitive for ASCII, as SQLite's LIKE).
   */
  async list(workspace: string, query = ''): Promise<ConversationSummary[]> {
    const search = query.trim();
    const rows = await this.store.query<SummaryRow>(
      `SELECT c.id, c.title, c.created_at, c.closed_at IS NULL AS open,
              MAX(m.created_at) AS updated_at, SUM(m.role = 'user') AS questions
         FROM conversations c JOIN messages m ON m.conversation_id = c.id
        WHERE c.workspace = ?1
          AND (?2 = '' OR c.title LIKE ?3 ESCAPE '\\'
               OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id AND s.content LIKE ?3 ESCAPE '\\'))
        GROUP BY c.id
        ORDER BY updated_at DESC, MAX(m.rowid) DESC`,
      [workspace, search, containing(search)],
    );
    const answers = await this.answers(workspace);
    return rows.map((r) => ({
      id: r.id,
      title: r.title ?? '',
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      questions: r.questions,
      answeredBy: answeredBy(answers.get(r.id) ?? []),
      open: r.open === 1,
    }));
  }

  /** The conversation's title, or undefined when `workspace` has no conversation `id`. */
  async title(workspace: string, id: string): Promise<string | undefined> {
    const [row] = await this.store.query<{ title: string | null }>('SELECT title FROM conversations WHERE id = ? AND workspace = ?', [id, workspace]);
    return row ? (row.title ?? '') : undefined;
  }

  /** Gives the conversation a name of the user's (validated by the caller: history/titles.ts). */
  rename(workspace: string, id: string, title: string): void {
    this.store.write('UPDATE conversations SET title = ? WHERE id = ? AND workspace = ?', [title.trim(), id, workspace]);
  }

  /** Removes the conversation and its messages; the requests it made stay in the metrics, without their text. */
  remove(workspace: string, id: string): void {
    this.store.write('DELETE FROM messages WHERE conversation_id = (SELECT id FROM conversations WHERE id = ? AND workspace = ?)', [id, workspace]);
    this.store.write('DELETE FROM conversations WHERE id = ? AND workspace = ?', [id, workspace]);
  }

  /** Route and model of every answer in the workspace, per conversation, oldest first. */
  private async answers(workspace: string): Promise<Map<string, { route: string; model: string }[]>> {
    const rows = await this.store.query<{ conversation_id: string; route: string | null; model: string | null }>(
      `SELECT m.conversation_id, json_extract(m.meta, '$.route') AS route, json_extract(m.meta, '$.model') AS model
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE c.workspace = ? AND m.role = 'assistant' AND m.meta IS NOT NULL
        ORDER BY m.created_at, m.rowid`,
      [workspace],
    );
    const byConversation = new Map<string, { route: string; model: string }[]>();
    for (const r of rows) {
      if (!r.route || !r.model) continue;
      const list = byConversation.get(r.conversation_id) ?? [];
      list.push({ route: r.route, model: r.model });
      byConversation.set(r.conversation_id, list);
    }
    return byConversation;
  }
}

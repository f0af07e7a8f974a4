import type { Store } from './db';
import { newId } from './ids';
import { conversationTitle } from '../history/titles';
import type { AnswerMeta, HistoryEntry, ImageInput } from '../types';

interface MessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  meta: string | null;
  error: string | null;
  cancelled: number;
  request_id: string | null;
  thumbs: number | null;
  images: string | null;
}

/** Conversation history, kept per workspace: the open conversation of a workspace is its newest unclosed one. */
export class Conversations {
  constructor(private readonly store: Store) {}

  /** The workspace's open conversation, created when there is none. */
  async current(workspace: string): Promise<string> {
    const [row] = await this.store.query<{ id: string }>(
      'SELECT id FROM conversations WHERE workspace = ? AND closed_at IS NULL ORDER BY created_at DESC LIMIT 1',
      [workspace],
    );
    return row?.id ?? this.start(workspace);
  }

  /** Closes the open conversation (kept in the database) and starts a new one. */
  startNew(workspace: string): string {
    this.store.write('UPDATE conversations SET closed_at = ? WHERE workspace = ? AND closed_at IS NULL', [Date.now(), workspace]);
    return this.start(workspace);
  }

  /** Makes an earlier conversation of the workspace the open one again; false when the workspace has no such conversation. */
  async reopen(workspace: string, conversationId: string): Promise<boolean> {
    const [row] = await this.store.query<{ id: string }>('SELECT id FROM conversations WHERE id = ? AND workspace = ?', [conversationId, workspace]);
    if (!row) return false;
    this.store.write('UPDATE conversations SET closed_at = ? WHERE workspace = ? AND closed_at IS NULL AND id <> ?', [Date.now(), workspace, conversationId]);
    this.store.write('UPDATE conversations SET closed_at = NULL WHERE id = ?', [conversationId]);
    return true;
  }

  addMessage(conversationId: string, entry: HistoryEntry, requestId?: string): void {
    this.store.write(
      'INSERT INTO messages (id, conversation_id, role, content, request_id, meta, error, cancelled, created_at, images) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        entry.id,
        conversationId,
        entry.role,
        entry.text,
        requestId ?? null,
        entry.meta ? JSON.stringify(entry.meta) : null,
        entry.error ?? null,
        entry.cancelled ? 1 : 0,
        Date.now(),
        entry.images?.length ? JSON.stringify(entry.images) : null,
      ],
    );
    if (entry.role === 'user') {
      this.store.write('UPDATE conversations SET title = COALESCE(title, ?) WHERE id = ?', [conversationTitle(entry.text), conversationId]);
    }
  }

  async messages(conversationId: string): Promise<HistoryEntry[]> {
    return (await this.store
      .query<MessageRow>(
        `SELECT m.id, m.role, m.content, m.meta, m.error, m.cancelled, m.request_id, m.images,
                (SELECT t.thumbs FROM ml_router_training_data t WHERE m.role = 'assistant' AND t.request_id = m.request_id) AS thumbs
           FROM messages m WHERE m.conversation_id = ? ORDER BY m.created_at, m.rowid`,
        [conversationId],
      ))
      .map((r) => ({
        id: r.id,
        role: r.role,
        text: r.content,
        ...(r.meta ? { meta: JSON.parse(r.meta) as AnswerMeta } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.cancelled ? { cancelled: true } : {}),
        ...(r.role === 'assistant' && r.request_id ? { requestId: r.request_id } : {}),
        ...(r.thumbs === 1 || r.thumbs === -1 ? { feedback: r.thumbs } : {}),
        ...(r.images ? { images: JSON.parse(r.images) as ImageInput[] } : {}),
      }));
  }

  /**
   * The question a request answered: the user message recorded with it or, for an answer that replaced
   * another (an escalation to the cloud), the last user message before that answer.
   */
  async question(requestId: string): Promise<{ conversationId: string; text: string } | undefined> {
    const [row] = await this.store.query<{ conversation_id: string; content: string }>(
      `SELECT u.conversation_id, u.content FROM messages u
        WHERE u.role = 'user' AND (u.request_id = ?1 OR u.rowid = (
          SELECT MAX(p.rowid) FROM messages a JOIN messages p ON p.conversation_id = a.conversation_id AND p.role = 'user' AND p.rowid < a.rowid
           WHERE a.request_id = ?1 AND a.role = 'assistant'))
        ORDER BY u.request_id = ?1 DESC LIMIT 1`,
      [requestId],
    );
    return row ? { conversationId: row.conversation_id, text: row.content } : undefined;
  }

  /** The route that answered request `requestId`, from its answer's meta line. */
  async answerRoute(requestId: string): Promise<AnswerMeta['route'] | undefined> {
    const meta = (await this.store.query<{ meta: string | null }>("SELECT meta FROM messages WHERE request_id = ? AND role = 'assistant' ORDER BY rowid DESC LIMIT 1", [requestId]))[0]?.meta;
    return meta ? (JSON.parse(meta) as AnswerMeta).route : undefined;
  }

  /** A request's question and its answer's text, once both are recorded, and the workspace of their conversation. */
  async exchange(requestId: string): Promise<{ question: string; answer: string; workspace: string } | undefined> {
    const [row] = await this.store.query<{ content: string; workspace: string }>(
      "SELECT m.content, c.workspace FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.request_id = ? AND m.role = 'assistant' ORDER BY m.rowid LIMIT 1",
      [requestId],
    );
    const question = (await this.question(requestId))?.text;
    return question !== undefined && row?.content ? { question, answer: row.content, workspace: row.workspace } : undefined;
  }

  private start(workspace: string): string {
    const id = newId();
    this.store.write('INSERT INTO conversations (id, workspace, created_at) VALUES (?, ?, ?)', [id, workspace, Date.now()]);
    return id;
  }
}

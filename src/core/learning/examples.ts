// The few-shot example library. Questions whose answers were accepted (a thumbs-up, or the cloud's answer
// after a node's answer was rerouted) become examples; a local request gets the most relevant ones, ranked
// by lexical similarity and each example's own track record, within a small token budget. Every use is a
// row, so an example's record is the labels of the requests it was used in: those that fail clearly more
// often than local answers in general are retired, clearly better ones promoted; a new example that
// repeats an existing one is merged into it. Every change lands in adaptive_learning_logs with its reason.
// Examples belong to the workspace they came from: one project's answers are not offered in another.

import type { Store } from '../store/db';
import type { RouterData } from '../store/routerData';
import type { ChatMessage } from '../types';
import type { RequestSource } from '../request';
import type { Feedback, FeedbackEvent } from './feedback';
import { newId } from '../store/ids';
import { estimateTokens } from '../providers/tokens';
import { keyTerms } from '../quality/signals';
import { taskTypeOf } from '../router/features';

export type ExampleStatus = 'active' | 'promoted' | 'retired';
export type ExampleSource = 'thumbsUp' | 'cloudAfterLocal';

export interface Example {
  id: string;
  prompt: string;
  answer: string;
  taskType: string;
  signature: string[];
  source: ExampleSource;
  sourceRequestId?: string;
  /** The workspace it came from (exampleWorkspace); only that workspace's requests are offered it. */
  workspace: string;
  status: ExampleStatus;
  pinned: boolean;
  /** Uses whose request has a label: accepted (successes) or not (failures). */
  successes: number;
  failures: number;
  uses: number;
  createdAt: number;
}

export interface LearningLog {
  event: string;
  exampleId?: string;
  details: Record<string, unknown>;
  at: number;
}

/** Rules of the library as data, so tests and the docs state the same numbers. */
export const EXAMPLE_RULES = {
  /** Least similarity (cosine of key-term sets) for an example to be offered. */
  minSimilarity: 0.25,
  /** Similarity at which a new example is the same as an existing one of its task type. */
  duplicateSimilarity: 0.8,
  maxExamples: 3,
  /** Labelled uses before an example is judged. */
  minJudgedUses: 4,
  /** Retired when its failure rate is this much above the failure rate of local answers, and at least half. */
  retireMargin: 0.25,
  /** Promoted when its failure rate is this much below. */
  promoteMargin: 0.15,
  /** Longest example (prompt + answer) in tokens; longer accepted answers are not kept. */
  maxExampleTokens: 1500,
};

/** Where requests that come from no workspace keep their examples: each caller has its own. */
const WORKSPACELESS: Record<RequestSource, string> = { panel: 'no-workspace', command: 'command', cli: 'cli', proxy: 'endpoint' };

/** The workspace key a request's examples are kept and chosen under: its workspace, else its caller's. */
export function exampleWorkspace(request: { workspace?: string; source: RequestSource }): string {
  return request.workspace ?? WORKSPACELESS[request.source];
}

export function signatureOf(text: string): string[] {
  return [...keyTerms(text)].map((t) => t.slice(0, 6)).sort();
}

export function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(a);
  const shared = new Set(b.filter((t) => set.has(t))).size;
  return shared / Math.sqrt(set.size * new Set(b).size);
}

/** Laplace-smoothed acceptance: an unused example starts at 0.5. */
function trackRecord(e: Pick<Example, 'successes' | 'failures'>): number {
  return (e.successes + 1) / (e.successes + e.failures + 2);
}

/**
 * The examples to add to a question, best first, fitting `budgetTokens` together. Pinned and promoted
 * examples and those of the question's task type rank higher; retired ones are never offered.
 */
export function rankExamples(question: string, examples: readonly Example[], budgetTokens: number): Example[] {
  const signature = signatureOf(question);
  const taskType = taskTypeOf(question, false);
  const scored = examples
    .filter((e) => e.status !== 'retired')
    .map((e) => {
      const sim = similarity(signature, e.signature);
      const boost = (e.pinned ? 1.3 : 1) * (e.status === 'promoted' ? 1.2 : 1) * (e.taskType === taskType ? 1.2 : 1);
      return { e, sim, score: sim * (0.5 + trackRecord(e)) * boost };
    })
    .filter((s) => s.sim >= EXAMPLE_RULES.minSimilarity)
    .sort((a, b) => b.score - a.score);
  const chosen: Example[] = [];
  let used = 0;
  for (const { e } of scored) {
    const cost = estimateTokens(e.prompt) + estimateTokens(e.answer);
    if (used + cost > budgetTokens) continue;
    chosen.push(e);
    used += cost;
    if (chosen.length === EXAMPLE_RULES.maxExamples) break;
  }
  return chosen;
}

/** What an example's record calls for, compared with local answers in general (`baseFailure`). */
export function reviewExample(e: Pick<Example, 'successes' | 'failures' | 'status' | 'pinned'>, baseFailure: number): { to: ExampleStatus; why: string } | undefined {
  const judged = e.successes + e.failures;
  if (e.pinned || judged < EXAMPLE_RULES.minJudgedUses) return undefined;
  const failure = e.failures / judged;
  const record = `failed ${e.failures} of ${judged} uses vs ${(baseFailure * 100).toFixed(0)}% for local answers`;
  if (e.status !== 'retired' && failure >= 0.5 && failure >= baseFailure + EXAMPLE_RULES.retireMargin) return { to: 'retired', why: record };
  if (e.status === 'active' && failure <= baseFailure - EXAMPLE_RULES.promoteMargin) return { to: 'promoted', why: record };
  return undefined;
}

/** Examples as earlier turns of the conversation: the model sees them as answers it gave and that worked. */
export function asMessages(examples: readonly Example[]): ChatMessage[] {
  return examples.flatMap((e) => [
    { role: 'user' as const, content: e.prompt },
    { role: 'assistant' as const, content: e.answer },
  ]);
}

interface ExampleRow {
  id: string;
  prompt: string;
  answer: string;
  task_type: string;
  signature: string;
  source: ExampleSource;
  source_request_id: string | null;
  workspace: string;
  status: ExampleStatus;
  pinned: number;
  created_at: number;
  successes: number;
  failures: number;
  uses: number;
}

export class ExampleLibrary {
  constructor(
    private readonly store: Store,
    private readonly routerData: RouterData,
    /** A request's question and answer text and its conversation's workspace, where they are kept (the conversations). */
    private readonly exchange: (requestId: string) => Promise<{ question: string; answer: string; workspace: string } | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Learns from feedback: a thumbs-up makes a candidate, a thumbs-down retires what came from that answer. */
  follow(feedback: Feedback): () => void {
    return feedback.onFeedback((event) => this.onFeedback(event));
  }

  private async onFeedback(event: FeedbackEvent): Promise<void> {
    if (event.kind === 'thumbs' && event.value === 1) {
      const texts = await this.exchange(event.requestId);
      if (texts) await this.add({ prompt: texts.question, answer: texts.answer, source: 'thumbsUp', sourceRequestId: event.requestId, workspace: texts.workspace });
    }
    if (event.kind === 'thumbs' && event.value === -1) {
      const from = await this.store.query<{ id: string }>("SELECT id FROM few_shot_examples WHERE source_request_id = ? AND status != 'retired'", [event.requestId]);
      for (const { id } of from) this.setStatus(id, 'retired', 'its answer got a thumbs-down');
    }
    await this.review();
  }

  /** A cloud answer that replaced a rerouted node answer ended well: the question and it become an example. */
  async cloudAnswered(requestId: string, question: string, answer: string, workspace: string): Promise<void> {
    if (await this.routerData.reroutedFrom(requestId)) await this.add({ prompt: question, answer, source: 'cloudAfterLocal', sourceRequestId: requestId, workspace });
  }

  async add(candidate: { prompt: string; answer: string; source: ExampleSource; sourceRequestId?: string; workspace: string }): Promise<string | undefined> {
    const tokens = estimateTokens(candidate.prompt) + estimateTokens(candidate.answer);
    if (tokens > EXAMPLE_RULES.maxExampleTokens) {
      this.log('skipped', undefined, { why: `too long for an example (${tokens} tokens)`, sourceRequestId: candidate.sourceRequestId });
      return undefined;
    }
    const signature = signatureOf(candidate.prompt);
    const taskType = taskTypeOf(candidate.prompt, false);
    const now = this.now();
    const duplicate = (await this.list({ inUse: true, workspace: candidate.workspace })).find((e) => e.taskType === taskType && similarity(signature, e.signature) >= EXAMPLE_RULES.duplicateSimilarity);
    if (duplicate) {
      // The newer accepted answer replaces the old one unless the old one has proved itself.
      const keepOld = duplicate.status === 'promoted' || duplicate.pinned;
      if (!keepOld) this.store.write('UPDATE few_shot_examples SET prompt = ?, answer = ?, signature = ?, updated_at = ? WHERE id = ?', [candidate.prompt, candidate.answer, JSON.stringify(signature), now, duplicate.id]);
      this.log('merged', duplicate.id, { why: keepOld ? 'same question as a proven example; kept its answer' : 'same question as an existing example; took the newer answer', sourceRequestId: candidate.sourceRequestId });
      return duplicate.id;
    }
    const id = newId();
    this.store.write(
      `INSERT INTO few_shot_examples (id, prompt, answer, task_type, signature, source, source_request_id, workspace, status, pinned, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?)`,
      [id, candidate.prompt, candidate.answer, taskType, JSON.stringify(signature), candidate.source, candidate.sourceRequestId ?? null, candidate.workspace, now, now],
    );
    this.log('added', id, { why: candidate.source === 'thumbsUp' ? 'thumbs-up on its answer' : 'cloud answer accepted after a node answer was rerouted', taskType, sourceRequestId: candidate.sourceRequestId });
    return id;
  }

  /** Examples of `workspace` for a local request, as messages, and their ids to record with the request. */
  async forQuestion(question: string, workspace: string, budgetTokens: number): Promise<{ messages: ChatMessage[]; ids: string[] }> {
    if (budgetTokens <= 0) return { messages: [], ids: [] };
    const chosen = rankExamples(question, await this.list({ inUse: true, workspace }), budgetTokens);
    return { messages: asMessages(chosen), ids: chosen.map((e) => e.id) };
  }

  recordUse(requestId: string, ids: readonly string[]): void {
    const now = this.now();
    for (const id of ids) {
      this.store.write('INSERT INTO example_uses (example_id, request_id, created_at) VALUES (?, ?, ?)', [id, requestId, now]);
      this.log('used', id, { requestId });
    }
  }

  /** Re-judges every example against the failure rate of local answers; logs what changes. */
  async review(): Promise<void> {
    const base = await this.baseFailureRate();
    for (const e of (await this.list({ inUse: true }))) {
      const change = reviewExample(e, base);
      if (change) this.setStatus(e.id, change.to, change.why);
    }
  }

  /**
   * Every example with its track record, newest first; `inUse`: only those not retired (what requests may get);
   * `workspace`: only that workspace's.
   */
  async list(options: { inUse?: boolean; workspace?: string } = {}): Promise<Example[]> {
    const where = [...(options.inUse ? ["e.status != 'retired'"] : []), ...(options.workspace !== undefined ? ['e.workspace = ?'] : [])];
    return (await this.store
      .query<ExampleRow>(
        `SELECT e.*,
                COUNT(u.request_id) AS uses,
                SUM(CASE WHEN t.label = '0' THEN 1 ELSE 0 END) AS successes,
                SUM(CASE WHEN t.label = '1' THEN 1 ELSE 0 END) AS failures
           FROM few_shot_examples e
           LEFT JOIN example_uses u ON u.example_id = e.id
           LEFT JOIN ml_router_training_data t ON t.request_id = u.request_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          GROUP BY e.id ORDER BY e.created_at DESC`,
        options.workspace !== undefined ? [options.workspace] : [],
      ))
      .map((r) => ({
        id: r.id,
        prompt: r.prompt,
        answer: r.answer,
        taskType: r.task_type,
        signature: JSON.parse(r.signature) as string[],
        source: r.source,
        ...(r.source_request_id ? { sourceRequestId: r.source_request_id } : {}),
        workspace: r.workspace,
        status: r.status,
        pinned: r.pinned === 1,
        successes: Number(r.successes ?? 0),
        failures: Number(r.failures ?? 0),
        uses: Number(r.uses ?? 0),
        createdAt: Number(r.created_at),
      }));
  }

  pin(id: string, pinned: boolean): void {
    this.store.write('UPDATE few_shot_examples SET pinned = ?, updated_at = ? WHERE id = ?', [pinned ? 1 : 0, this.now(), id]);
    this.log(pinned ? 'pinned' : 'unpinned', id, { why: 'by the user' });
  }

  delete(id: string): void {
    this.store.write('DELETE FROM few_shot_examples WHERE id = ?', [id]);
    this.store.write('DELETE FROM example_uses WHERE example_id = ?', [id]);
    this.log('deleted', id, { why: 'by the user' });
  }

  async logs(limit = 50): Promise<LearningLog[]> {
    return (await this.store
      .query<{ event: string; example_id: string | null; details: string | null; created_at: number }>('SELECT event, example_id, details, created_at FROM adaptive_learning_logs ORDER BY created_at DESC, rowid DESC LIMIT ?', [limit]))
      .map((r) => ({ event: r.event, ...(r.example_id ? { exampleId: r.example_id } : {}), details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {}, at: Number(r.created_at) }));
  }

  /**
   * Share of labelled node answers given without examples that needed the cloud: the yardstick examples
   * are judged against (smoothed towards 25% while there are few).
   */
  private async baseFailureRate(): Promise<number> {
    const row = (await this.store.query<{ n: number; failed: number }>(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN label = '1' THEN 1 ELSE 0 END) AS failed FROM ml_router_training_data
        WHERE route != 'cloud' AND label IS NOT NULL AND request_id NOT IN (SELECT request_id FROM example_uses)`,
    ))[0];
    return (Number(row?.failed ?? 0) + 0.5) / (Number(row?.n ?? 0) + 2);
  }

  private setStatus(id: string, status: ExampleStatus, why: string): void {
    this.store.write('UPDATE few_shot_examples SET status = ?, updated_at = ? WHERE id = ?', [status, this.now(), id]);
    this.log(status === 'retired' ? 'retired' : status === 'promoted' ? 'promoted' : 'restored', id, { why });
  }

  private log(event: string, exampleId: string | undefined, details: Record<string, unknown>): void {
    this.store.write('INSERT INTO adaptive_learning_logs (id, event, example_id, details, created_at) VALUES (?, ?, ?, ?, ?)', [newId(), event, exampleId ?? null, JSON.stringify(details), this.now()]);
  }
}

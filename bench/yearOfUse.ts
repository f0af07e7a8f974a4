// A database shaped like a year of use (issue 20): N requests over 365 days ending now, each with what the
// extension records for it: the request row, the router's training row and prediction, the quality gate's
// verdict on node answers, compression figures on cloud answers, thumbs and reroutes (feedback rows, labels),
// few-shot examples and their uses, router events, question embeddings (the newest 5,000, as RouterData keeps)
// and chunk embeddings; a quarter of the requests are chat-panel exchanges whose question and answer text
// (with meta, some with image thumbnails) is in conversations/messages.
//
// The schema is the product's: Store.open on a new file runs the migrations; the rows are then inserted with
// sql.js prepared statements in one transaction (a Store's write path persists per write, far too slow for
// half a million rows) and the file is written once. Seeded: the same size and seed give the same rows,
// shifted so the newest request is `now`.
//
//   node --import tsx bench/yearOfUse.ts --size 1k|38mb|full [--out FILE] [--seed N]   (default FILE: $TMPDIR/year-of-use-SIZE.db)
//   npm run bench:year-db -- --size full --out /tmp/year.db
//
// Prints the rows per table, the file size and the time taken.

import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/core/random';
import { DAY_MS } from '../src/core/metrics/window';
import { Store } from '../src/core/store/db';
import { labelOf, packFeatures } from '../src/core/store/routerData';
import { extractFeatures, taskTypeOf } from '../src/core/router/features';
import { signatureOf } from '../src/core/learning/examples';
import { SENTENCE_ENCODER_MODEL } from '../src/core/providers/sentenceEncoder';
import { EVERYDAY_QUESTIONS } from '../test/fixtures/everydayQuestions';
import { SAMPLES } from '../test/fixtures/codeSamples';

/** Requests per size preset; 38mb and full are sized so the file lands near 38 MB and 200 MB. */
export const SIZES = { '1k': 1_000, '38mb': 9_000, full: 100_000 } as const;
export type SizeName = keyof typeof SIZES;
export const DEFAULT_SEED = 20_261_202;

const DAYS = 365;
const PANEL_SHARE = 0.25;
/** RouterData keeps the newest 5,000 question embeddings. */
const KEPT_EMBEDDINGS = 5_000;
const ENCODER_DIMENSIONS = 512;
const CHUNK_EMBEDDINGS = 2_000;
const CHUNK_DIMENSIONS = 768;
const WORKSPACES = ['/home/dev/api-server', '/home/dev/web-app', '/home/dev/infra', '/home/dev/ml-notebooks', '/home/dev/cli-tools'];
const NODES = { local: ['this machine'], lan: ['gpu-box', 'mac-studio', 'desk-3090'], cloud: ['cloud'] } as const;
const MODELS = { local: ['qwen2.5-coder:7b', 'llama3.2:latest'], lan: ['qwen2.5-coder:32b', 'llama3.1:8b'], cloud: ['gpt-4o-mini', 'gpt-4o'] } as const;
const SOURCES = ['proxy', 'proxy', 'cli', 'command'] as const;
const CATEGORY_BY_SOURCE = { panel: 'chat', proxy: 'proxy', cli: 'cli', command: 'explainFiles' } as const;
const GATE_REASONS = ['low token confidence', 'hedging', 'answer much shorter than the question asks for', 'repeated lines', 'no code in a code question'];
const WORDS = (
  'the function returns a promise so the caller must await it before reading the value this keeps the state ' +
  'consistent when two requests race and the cache is cleared we use a map keyed by id to avoid the quadratic scan ' +
  'note that the error is thrown only when the input is empty which is why the test passes locally but fails in ci ' +
  'a simpler fix is to move the check into the constructor and pass the options object down explicitly'
).split(' ');

export interface YearOptions {
  requests: number;
  file: string;
  seed?: number;
  /** The newest request's time (epoch ms); default now. */
  now?: number;
}

export interface YearResult {
  file: string;
  bytes: number;
  rows: Record<string, number>;
  ms: number;
  from: number;
  to: number;
}

/** A UUID-shaped id drawn from the seeded stream, so ids are as long as the product's (randomUUID). */
function idFrom(rand: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function prose(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(rand, WORDS));
  return out.join(' ');
}

/** A question as typed in the panel or sent by an agent: sometimes with pasted code. */
function question(rand: () => number): string {
  const q = pick(rand, EVERYDAY_QUESTIONS);
  if (rand() < 0.4) {
    const s = pick(rand, SAMPLES);
    return `${q}\n\n\`\`\`${s.language}\n${s.text}\`\`\``;
  }
  return rand() < 0.3 ? `${q}. ${prose(rand, 20 + Math.floor(rand() * 60))}` : q;
}

/** A Markdown answer of about `chars` characters: paragraphs and a code block or two. */
function answer(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const part = rand() < 0.35 ? `\`\`\`${pick(rand, SAMPLES).language}\n${pick(rand, SAMPLES).text}\`\`\`` : prose(rand, 30 + Math.floor(rand() * 80));
    parts.push(part);
    length += part.length + 2;
  }
  return parts.join('\n\n');
}

function floatBytes(rand: () => number, n: number): Uint8Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rand() * 2 - 1;
  return new Uint8Array(v.buffer);
}

/** A small JPEG-sized base64 thumbnail, as the panel stores with a question about an image. */
function thumbnail(rand: () => number): string {
  return Buffer.from(floatBytes(rand, 1500)).toString('base64');
}

class Inserter {
  readonly counts: Record<string, number> = {};
  private readonly statements = new Map<string, ReturnType<Database['prepare']>>();

  constructor(private readonly db: Database) {}

  insert(table: string, row: Record<string, SqlValue>): void {
    const columns = Object.keys(row);
    const key = `${table}(${columns.join(',')})`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      this.statements.set(key, stmt);
    }
    stmt.run(Object.values(row));
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }

  free(): void {
    for (const s of this.statements.values()) s.free();
  }
}

export async function generateYearOfUse(options: YearOptions): Promise<YearResult> {
  const t0 = performance.now();
  const file = resolve(options.file);
  const n = options.requests;
  const to = options.now ?? Date.now();
  const from = to - DAYS * DAY_MS;
  const rand = seededRandom(options.seed ?? DEFAULT_SEED);

  // The schema comes from the product's own open of a new database, in a scratch folder so nothing the store
  // keeps beside its file (a lock, a journal) is left next to the one written here.
  const scratch = mkdtempSync(join(tmpdir(), 'year-of-use-schema-'));
  let schema: Buffer;
  try {
    const opened = await Store.open({ file: join(scratch, 'schema.db') });
    await opened.store.close();
    schema = readFileSync(join(scratch, 'schema.db'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const SQL = await initSqlJs();
  const db = new SQL.Database(schema);
  const ins = new Inserter(db);
  db.run('BEGIN');

  const examples: string[] = [];
  const conversationOf = new Map<string, { id: string; turns: number }>();
  for (let i = 0; i < n; i++) {
    const at = Math.floor(from + ((i + rand()) * (to - from)) / n);
    const id = idFrom(rand);
    const panel = rand() < PANEL_SHARE;
    const source = panel ? 'panel' : pick(rand, SOURCES);
    const q = question(rand);
    const hasImages = panel && rand() < 0.03;
    const routed = rand() < 0.99;
    const r = rand();
    const route = !routed ? null : r < 0.3 ? 'local' : r < 0.75 ? 'lan' : 'cloud';
    const o = rand();
    const outcome = o < 0.92 ? 'ok' : o < 0.97 ? 'error' : 'cancelled';
    const node = route ? pick(rand, NODES[route]) : null;
    const model = route ? pick(rand, MODELS[route]) : null;
    // A route the caller chose (the CLI's --route, a model picked by name) has no decision to learn from.
    const decided = routed && rand() < 0.86;
    const strategy = !decided ? null : rand() < 0.5 ? 'ml' : 'heuristic';
    const promptTokens = 40 + Math.floor(q.length / 4) + Math.floor(rand() * 3000);
    const completionTokens = outcome === 'ok' ? 80 + Math.floor(rand() * 900) : Math.floor(rand() * 40);
    const ttftMs = outcome === 'error' && rand() < 0.5 ? null : (route === 'cloud' ? 300 : 60) + rand() * 700;
    const totalMs = ttftMs === null ? null : ttftMs + completionTokens * (8 + rand() * 25);
    const compressed = route === 'cloud' && outcome === 'ok' && rand() < 0.3;
    const contextBefore = compressed ? 4_000 + Math.floor(rand() * 40_000) : null;
    const nodeAnswer = route === 'local' || route === 'lan';
    const escalated = nodeAnswer && outcome === 'ok' && rand() < 0.08;
    const rerouted = nodeAnswer && outcome === 'ok' && !escalated && rand() < 0.03;
    const replacedBy = escalated || rerouted ? idFrom(rand) : null;
    const thumbs = panel && outcome === 'ok' && rand() < 0.1 ? (rand() < 0.8 ? 1 : -1) : null;

    let conversationId: string | null = null;
    let historyTurns = 0;
    if (panel) {
      const workspace = pick(rand, WORKSPACES);
      let c = conversationOf.get(workspace);
      if (!c || c.turns >= 2 + Math.floor(rand() * 10)) {
        if (c) db.run('UPDATE conversations SET closed_at = ? WHERE id = ?', [at, c.id]);
        c = { id: idFrom(rand), turns: 0 };
        conversationOf.set(workspace, c);
        ins.insert('conversations', { id: c.id, workspace, title: q.split('\n')[0]!.slice(0, 60), created_at: at, closed_at: null });
      }
      conversationId = c.id;
      historyTurns = c.turns++;
    }

    ins.insert('requests', {
      id, conversation_id: conversationId, source, category: CATEGORY_BY_SOURCE[source], task: hasImages ? 'vision' : rand() < 0.6 ? 'code' : 'chat',
      route, node, model, strategy, reason: route === 'cloud' ? 'p_cloud above the threshold' : route ? 'a node is good enough' : null,
      prompt_tokens: promptTokens, completion_tokens: completionTokens, tokens_estimated: rand() < 0.1 ? 1 : 0, ttft_ms: ttftMs, total_ms: totalMs,
      attempts: rand() < 0.05 ? 2 : 1, outcome, error: outcome === 'error' ? 'The node stopped answering (no token for 30 s).' : null, created_at: at,
      replaced_by: replacedBy, context_tokens_before: contextBefore, context_tokens_after: contextBefore === null ? null : Math.floor(contextBefore * (0.15 + rand() * 0.25)),
    });

    if (route && decided) {
      const features = extractFeatures({ question: q, contextChars: rand() < 0.3 ? Math.floor(rand() * 20_000) : 0, historyTurns, category: CATEGORY_BY_SOURCE[source], hasImages });
      const label = labelOf({ route, outcome, thumbs: panel ? thumbs : null, rerouted: rerouted ? 1 : 0, ...(rerouted ? { reroute: { outcome: 'ok', thumbs: null } } : {}) });
      const tokens = promptTokens + completionTokens;
      ins.insert('ml_router_training_data', {
        id: idFrom(rand), request_id: id, features: packFeatures(features), route, quality_score: null, rerouted: rerouted ? 1 : 0, thumbs, ttft_ms: ttftMs, total_ms: totalMs,
        tokens, cloud_tokens_saved: nodeAnswer && outcome === 'ok' ? tokens : 0, label: panel || thumbs !== null || rerouted ? (label === null ? null : String(label)) : null, created_at: at,
        rerouted_to: rerouted ? replacedBy : null,
      });
      const pCloud = route === 'cloud' ? 0.5 + rand() * 0.5 : rand() * 0.5;
      ins.insert('ml_router_predictions', {
        id: idFrom(rand), request_id: id, model_version: 'shipped-2026-11-30', predicted_route: pCloud >= 0.42 ? 'cloud' : 'nodes', confidence: pCloud,
        probabilities: JSON.stringify({ cloud: pCloud, threshold: 0.42, share: 0.25, arm: strategy, route: route === 'cloud' ? 'cloud' : 'nodes', prior: Math.min(1, pCloud * (0.8 + rand() * 0.4)) }),
        created_at: at,
      });
      if (i >= n - KEPT_EMBEDDINGS) ins.insert('prompt_embeddings', { request_id: id, model: SENTENCE_ENCODER_MODEL, vector: floatBytes(rand, ENCODER_DIMENSIONS), created_at: at });
    }
    if (nodeAnswer && outcome === 'ok') {
      const score = escalated ? rand() * 0.2 : 0.2 + rand() * 0.8;
      const reasons = escalated ? [pick(rand, GATE_REASONS)] : [];
      ins.insert('quality_gate_results', {
        request_id: id, score, p_cloud: rand(), passed: escalated ? 0 : 1, reasons: JSON.stringify(reasons),
        signals: JSON.stringify({ hedging: rand() < 0.2 ? rand() : 0, meanTokenLogprob: -rand() * 2 }), escalated_to: escalated ? replacedBy : null, created_at: at,
      });
      if (examples.length > 0 && rand() < 0.15) {
        const exampleId = pick(rand, examples);
        ins.insert('example_uses', { example_id: exampleId, request_id: id, created_at: at });
        ins.insert('adaptive_learning_logs', { id: idFrom(rand), event: 'used', example_id: exampleId, details: JSON.stringify({ requestId: id }), created_at: at });
      }
    }
    if (thumbs !== null) {
      ins.insert('feedback_data', { id: idFrom(rand), request_id: id, kind: 'thumbs', value: thumbs, reason: null, route, created_at: at + 20_000 });
      if (thumbs === 1 && nodeAnswer && rand() < 0.3) {
        const exampleId = idFrom(rand);
        const workspace = pick(rand, WORKSPACES);
        const text = answer(rand, 600 + Math.floor(rand() * 1_200));
        ins.insert('few_shot_examples', {
          id: exampleId, prompt: q, answer: text, task_type: taskTypeOf(q, hasImages), signature: JSON.stringify(signatureOf(q)), source: 'thumbsUp', source_request_id: id,
          status: rand() < 0.8 ? 'active' : rand() < 0.5 ? 'promoted' : 'retired', pinned: rand() < 0.05 ? 1 : 0, created_at: at, updated_at: at, workspace,
        });
        ins.insert('adaptive_learning_logs', { id: idFrom(rand), event: 'added', example_id: exampleId, details: JSON.stringify({ why: 'thumbs-up on its answer', sourceRequestId: id }), created_at: at });
        examples.push(exampleId);
      }
    }
    if (rerouted) ins.insert('feedback_data', { id: idFrom(rand), request_id: id, kind: 'reroute', value: 1, reason: 'asked the cloud', route, created_at: at + 30_000 });
    if (i % 250 === 249) ins.insert('router_events', { kind: 'retrain', detail: JSON.stringify({ rows: Math.min(5_000, Math.floor(i / 4)), auc: 0.6 + rand() * 0.1 }), created_at: at });

    if (conversationId) {
      const images = hasImages ? JSON.stringify([{ mimeType: 'image/jpeg', base64: thumbnail(rand) }]) : null;
      ins.insert('messages', { id: idFrom(rand), conversation_id: conversationId, role: 'user', content: q, request_id: id, meta: null, error: null, cancelled: 0, created_at: at, images });
      const text = outcome === 'error' ? '' : answer(rand, (outcome === 'ok' ? 1 : 0.3) * (100 + Math.floor(rand() * 900)));
      const meta = route && model ? { route, node, model, ttftMs, promptTokens, completionTokens, ...(nodeAnswer && outcome === 'ok' ? { quality: { score: 0.7, reasons: [] } } : {}) } : null;
      ins.insert('messages', {
        id: idFrom(rand), conversation_id: conversationId, role: 'assistant', content: text, request_id: id, meta: meta ? JSON.stringify(meta) : null,
        error: outcome === 'error' ? 'The node stopped answering (no token for 30 s).' : null, cancelled: outcome === 'cancelled' ? 1 : 0, created_at: at + (totalMs ?? 0), images: null,
      });
    }
  }
  for (let i = 0; i < Math.min(CHUNK_EMBEDDINGS, n / 10); i++) {
    ins.insert('embedding_cache', { model: 'nomic-embed-text', hash: idFrom(rand).replace(/-/g, ''), vector: floatBytes(rand, CHUNK_DIMENSIONS), created_at: to - Math.floor(rand() * 30 * DAY_MS) });
  }
  for (let day = 0; day < DAYS; day++) ins.insert('router_events', { kind: 'model', detail: JSON.stringify({ source: 'shipped model', loadMs: 40 + rand() * 60 }), created_at: from + day * DAY_MS });

  db.run('COMMIT');
  ins.free();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, db.export());
  db.close();
  return { file, bytes: statSync(file).size, rows: ins.counts, ms: performance.now() - t0, from, to };
}

export function isSizeName(s: string): s is SizeName {
  return Object.hasOwn(SIZES, s);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '1k' }, out: { type: 'string' }, seed: { type: 'string' } } });
  const size = values.size;
  if (!isSizeName(size)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')} (got "${size}").`);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got "${values.seed}").`);
  const r = await generateYearOfUse({ requests: SIZES[size], file: values.out ?? join(tmpdir(), `year-of-use-${size}.db`), seed });
  for (const [table, count] of Object.entries(r.rows)) console.log(`${table.padEnd(24)} ${String(count).padStart(8)}`);
  console.log(`\n${r.file}: ${(r.bytes / 1e6).toFixed(1)} MB, ${SIZES[size]} requests over ${DAYS} days, written in ${(r.ms / 1000).toFixed(1)} s`);
}

if (process.argv[1] && /yearOfUse\.ts$/.test(process.argv[1])) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}

// "Clear All Data" (src/core/store/clearData.ts), in the store and as `singularity clear-data` in its own process.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/core/store/db';
import { Requests } from '../../src/core/store/requests';
import { RouterData } from '../../src/core/store/routerData';
import { Conversations } from '../../src/core/store/conversations';
import { QualityResults } from '../../src/core/store/qualityResults';
import { clearAllData, dataTables } from '../../src/core/store/clearData';
import { runRetention } from '../../src/core/store/retention';
import { DAY_MS } from '../../src/core/metrics/window';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'singularity-clear-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A row in every table the extension fills: requests old and new (the old one rolled up), a conversation, training rows, gate verdicts, examples, embeddings. */
async function recordEverything(store: Store): Promise<void> {
  const now = Date.now();
  const requests = new Requests(store);
  const router = new RouterData(store);
  const conversations = new Conversations(store);
  const conversation = await conversations.current('w');
  for (const [i, at] of [now, now - 200 * DAY_MS].entries()) {
    requests.record({ id: `r${i}`, conversationId: conversation, source: 'panel', route: 'local', node: 'laptop', outcome: 'ok', tokensEstimated: false, attempts: 1, createdAt: at });
    await router.record({ requestId: `r${i}`, features: new Float32Array([1]), route: 'local', outcome: 'ok', feedbackPossible: true, prediction: { pCloud: 0.1, threshold: 0.5, modelVersion: 'm', predictedRoute: 'nodes', share: 0.2, arm: 'ml', route: 'nodes' }, createdAt: at });
    router.recordEmbedding(`r${i}`, 'enc', new Float32Array([0.5, 0.25]), at);
  }
  store.write("INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES ('m', ?, 'user', 'question', ?)", [conversation, now]);
  new QualityResults(store).record('r0', { score: 0.9, pCloud: 0.1, pass: true, reasons: [], signals: {} }, undefined, now);
  store.write("INSERT INTO feedback_data (id, request_id, kind, value, created_at) VALUES ('f', 'r0', 'thumbs', 1, ?)", [now]);
  store.write("INSERT INTO few_shot_examples (id, prompt, answer, task_type, signature, source, status, created_at, updated_at) VALUES ('e', 'p', 'a', 'code', 's', 'accepted', 'active', ?, ?)", [now, now]);
  store.write("INSERT INTO example_uses (example_id, request_id, created_at) VALUES ('e', 'r0', ?)", [now]);
  store.write("INSERT INTO adaptive_learning_logs (id, event, created_at) VALUES ('l', 'added', ?)", [now]);
  store.write("INSERT INTO embedding_cache (model, hash, vector, created_at) VALUES ('enc', 'h', x'00', ?)", [now]);
  router.event('retrain', { rows: 1 });
  await runRetention(store, { days: 90, maxTrainingRows: 20_000 }, now);
}

const counts = async (store: Store, tables: string[]) => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, Number((await store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${t}"`))[0]!.n)])));

describe('clearAllData', () => {
  it('empties every table that holds recorded data and keeps the schema', async () => {
    const { store } = await Store.open();
    await recordEverything(store);
    const tables = await dataTables(store);
    expect(tables).toEqual(expect.arrayContaining(['requests', 'messages', 'conversations', 'ml_router_training_data', 'few_shot_examples', 'prompt_embeddings', 'embedding_cache', 'daily_requests', 'daily_strategies', 'daily_learning']));
    expect(Object.entries(await counts(store, tables)).filter(([, n]) => n === 0).map(([t]) => t)).toEqual([]);
    const version = store.schemaVersion;
    const deleted = await clearAllData(store);
    expect(deleted.requests).toBe(1);
    expect(deleted.daily_requests).toBe(1);
    expect(Object.values(await counts(store, tables)).every((n) => n === 0)).toBe(true);
    expect(store.schemaVersion).toBe(version);
    await store.close();
  });
});

describe('singularity clear-data', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'clear-data', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

  it('deletes every recorded row of the file with --yes', async () => {
    const file = join(dir, 'singularity.db');
    const { store } = await Store.open({ file });
    await recordEverything(store);
    await store.close();
    const r = cli(['--db', file, '--yes']);
    expect(r.stderr).toMatch(/"deleted":\{/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Deleted \d+ rows from /);
    const reopened = (await Store.open({ file })).store;
    expect(Object.values(counts(reopened, await dataTables(reopened))).every((n) => n === 0)).toBe(true);
    await reopened.close();
  });

  it('refuses without --yes and leaves the file as it was', async () => {
    const file = join(dir, 'singularity.db');
    const { store } = await Store.open({ file });
    await recordEverything(store);
    await store.close();
    const r = cli(['--db', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Add --yes to confirm/);
    const reopened = (await Store.open({ file })).store;
    expect(Number((await reopened.query<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))[0]!.n)).toBe(1);
    await reopened.close();
  });
});

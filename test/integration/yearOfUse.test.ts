import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateYearOfUse } from '../../bench/yearOfUse';
import { Store } from '../../src/core/store/db';
import { migrations } from '../../src/core/store/migrations';
import { Conversations } from '../../src/core/store/conversations';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { DAY_MS } from '../../src/core/metrics/window';

const NOW = Date.UTC(2026, 11, 2, 15, 0, 0);
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'year-of-use-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Opens the generated file as the product does, runs `read` on it, closes it. */
async function reading<T>(file: string, read: (store: Store, warnings: string[]) => Promise<T>): Promise<T> {
  const { store, warnings } = await Store.open({ file });
  try {
    return await read(store, warnings);
  } finally {
    await store.close();
  }
}

describe('the year-of-use database generator (bench/yearOfUse.ts)', () => {
  it('writes a file the product opens at the latest schema, with every table the dashboard, router and learning read filled', async () => {
    const r = await generateYearOfUse({ requests: 400, file: join(dir, 'year.db'), now: NOW });
    await reading(r.file, async (store, warnings) => {
      expect(warnings).toEqual([]);
      expect(store.schemaVersion).toBe(migrations[migrations.length - 1]!.version);
      for (const table of ['requests', 'ml_router_training_data', 'ml_router_predictions', 'quality_gate_results', 'feedback_data', 'conversations', 'messages', 'prompt_embeddings', 'example_uses', 'adaptive_learning_logs', 'router_events']) {
        const [row] = await store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
        expect(Number(row?.n), table).toBeGreaterThan(0);
      }
    });
    expect(r.rows.requests).toBe(400);
  });

  it('spreads the requests over the 365 days that end at `now`', async () => {
    const r = await generateYearOfUse({ requests: 400, file: join(dir, 'year.db'), now: NOW });
    await reading(r.file, async (store) => {
      const [span] = await store.query<{ first: number; last: number }>('SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM requests');
      expect(Number(span?.first)).toBeGreaterThanOrEqual(NOW - 365 * DAY_MS);
      expect(Number(span?.first)).toBeLessThan(NOW - 360 * DAY_MS);
      expect(Number(span?.last)).toBeLessThanOrEqual(NOW);
      expect(Number(span?.last)).toBeGreaterThan(NOW - 2 * DAY_MS);
      const all = await dashboardData(store, { period: 'all', now: NOW, prices: PRICES });
      expect(all.headline.requests).toBe(400);
    });
  });

  it('makes about a quarter of the requests panel exchanges whose question and answer read back as a conversation', async () => {
    const r = await generateYearOfUse({ requests: 400, file: join(dir, 'year.db'), now: NOW });
    await reading(r.file, async (store) => {
      const [panel] = await store.query<{ n: number }>("SELECT COUNT(*) AS n FROM requests WHERE source = 'panel'");
      expect(Number(panel?.n)).toBeGreaterThan(60);
      expect(Number(panel?.n)).toBeLessThan(140);
      const [conversation] = await store.query<{ id: string }>('SELECT id FROM conversations ORDER BY created_at LIMIT 1');
      const messages = await new Conversations(store).messages(conversation!.id);
      expect(messages[0]?.role).toBe('user');
      expect(messages[0]?.text.length).toBeGreaterThan(10);
      expect(messages.some((m) => m.role === 'assistant' && m.text.length > 100)).toBe(true);
    });
  });

  it('gives the same file for the same seed and time', async () => {
    const a = await generateYearOfUse({ requests: 200, file: join(dir, 'a.db'), now: NOW, seed: 5 });
    const b = await generateYearOfUse({ requests: 200, file: join(dir, 'b.db'), now: NOW, seed: 5 });
    const rows = (file: string) => reading(file, async (store) => store.query('SELECT * FROM requests ORDER BY id'));
    expect(await rows(a.file)).toEqual(await rows(b.file));
    expect(readFileSync(a.file).length).toBe(readFileSync(b.file).length);
  });
});

// The seeded history bench/metrics.ts measures the dashboard on: requests over `days` days (DAYS by default) and the rows the
// router, the gate and feedback write alongside them.

import { seededRandom } from '../src/core/random';
import { Store } from '../src/core/store/db';
import { Requests, type RequestRecord } from '../src/core/store/requests';
import { DAY_MS } from '../src/core/metrics/window';
import type { Route } from '../src/core/types';

export const DAYS = 60;
export const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

const NODES: Record<Route, string[]> = {
  local: ['laptop'],
  lan: ['desk-4090', 'desk-3090', 'mac-studio', 'nas', 'rig-a', 'rig-b', 'rig-c', 'rig-d', 'rig-e'],
  cloud: ['cloud'],
};

export function history(n: number, days = DAYS): RequestRecord[] {
  const rand = seededRandom(42);
  const out: RequestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const route: Route = r < 0.3 ? 'local' : r < 0.8 ? 'lan' : 'cloud';
    const o = rand();
    const outcome = o < 0.9 ? 'ok' : o < 0.96 ? 'error' : 'cancelled';
    const ttftMs = outcome === 'error' && rand() < 0.5 ? undefined : 80 + Math.floor(rand() * 900);
    const completionTokens = 20 + Math.floor(rand() * 600);
    out.push({
      id: `r${i}`,
      conversationId: `c${Math.floor(i / 8)}`,
      source: pick(rand, ['panel', 'command', 'cli', 'proxy'] as const),
      category: pick(rand, ['explain', 'edit', 'review', 'chat']),
      task: rand() < 0.05 ? 'vision' : rand() < 0.6 ? 'code' : 'chat',
      route,
      node: pick(rand, NODES[route]),
      model: pick(rand, ['qwen2.5-coder:7b', 'llama3.1:8b', 'gpt-4o-mini']),
      strategy: rand() < 0.95 ? 'rule' : 'heuristic',
      reason: 'bench, "quoted", with comma',
      promptTokens: 100 + Math.floor(rand() * 4000),
      completionTokens,
      tokensEstimated: rand() < 0.1,
      ttftMs,
      totalMs: ttftMs === undefined ? undefined : ttftMs + completionTokens * (10 + rand() * 30),
      attempts: rand() < 0.05 ? 2 : 1,
      outcome,
      error: outcome === 'error' ? 'node unreachable,\nretried' : undefined,
      ...(route === 'cloud' && outcome === 'ok' && rand() < 0.4 ? { contextTokensBefore: 20_000, contextTokensAfter: 4000 + Math.floor(rand() * 4000) } : {}),
      createdAt: NOW - Math.floor(rand() * days * DAY_MS),
    });
  }
  return out;
}

/** What the router, the gate and feedback write alongside the requests (direct inserts: the bench measures reads). */
function learningRows(store: Store, rows: readonly RequestRecord[]): void {
  const rand = seededRandom(7);
  for (const r of rows) {
    if (!r.route) continue;
    const node = r.route !== 'cloud' && r.outcome === 'ok';
    const thumbs = rand() < 0.06 ? (rand() < 0.7 ? 1 : -1) : null;
    const rerouted = node && rand() < 0.04 ? 1 : 0;
    const label = node ? (thumbs === -1 || rerouted ? '1' : '0') : null;
    store.write(
      `INSERT INTO ml_router_training_data (id, request_id, features, route, rerouted, thumbs, ttft_ms, total_ms, tokens, cloud_tokens_saved, label, created_at)
       VALUES (?, ?, '[[0,1]]', ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      [`t${r.id}`, r.id, r.route, rerouted, thumbs, r.ttftMs ?? null, r.totalMs ?? null, r.completionTokens ?? null, label, r.createdAt],
    );
    if (node) {
      const escalated = rand() < 0.05;
      store.write(
        `INSERT INTO quality_gate_results (request_id, score, p_cloud, passed, reasons, signals, escalated_to, created_at) VALUES (?, ?, 0.2, ?, '[]', '{}', ?, ?)`,
        [r.id, rand(), escalated ? 0 : 1, escalated ? `e${r.id}` : null, r.createdAt],
      );
      if (escalated) store.write('UPDATE requests SET replaced_by = ? WHERE id = ?', [`e${r.id}`, r.id]);
    }
    if (thumbs !== null) {
      store.write(`INSERT INTO feedback_data (id, request_id, kind, value, route, created_at) VALUES (?, ?, 'thumbs', ?, ?, ?)`, [`f${r.id}`, r.id, thumbs, r.route, r.createdAt + 60_000]);
    }
  }
}

/** An in-memory store holding `n` requests of the history over `days` days and their learning rows. */
export async function metricsHistory(n: number, days = DAYS): Promise<Store> {
  const { store } = await Store.open();
  const requests = new Requests(store);
  const rows = history(n, days);
  store.write('BEGIN');
  for (const r of rows) requests.record(r);
  learningRows(store, rows);
  store.write('COMMIT');
  return store;
}

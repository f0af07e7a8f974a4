import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Store } from '../../src/core/store/db';
import { Requests } from '../../src/core/store/requests';
import { RouterData } from '../../src/core/store/routerData';
import { QualityResults } from '../../src/core/store/qualityResults';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { DAY_MS, HOUR_MS } from '../../src/core/metrics/window';
import { BATCH_ROWS, DEFAULT_RETENTION, nextDayToRollUp, retentionCutoff, rollupHorizon, ROLLUP_AFTER_DAYS, runRetention, sliceEnd, trainingRowsOverCap } from '../../src/core/store/retention';
import type { Route } from '../../src/core/types';
import type { DashboardData } from '../../src/shared/dashboard';

const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };
const DAYS = 120;
const KEEP = 30;

let store: Store;
beforeEach(async () => {
  store = (await Store.open()).store;
});

const count = async (sql: string) => Number((await store.query<{ n: number }>(sql))[0]!.n);

/**
 * Four requests a day over DAYS days, with every kind of row the dashboard counts: routes, nodes, strategies,
 * outcomes, compressed contexts, a replaced node answer, training rows with labels, thumbs and reroutes, gate
 * verdicts and thumbs feedback, and a conversation per day. Whole numbers, so sums do not depend on their order.
 */
function history(): void {
  const requests = new Requests(store);
  const router = new RouterData(store);
  const gate = new QualityResults(store);
  for (let d = 0; d < DAYS; d++) {
    const day = NOW - d * DAY_MS - 2 * HOUR_MS;
    const conversation = `c${d}`;
    store.write('INSERT INTO conversations (id, workspace, title, created_at) VALUES (?, ?, ?, ?)', [conversation, 'w', `day ${d}`, day]);
    const kinds: [Route, string, 'ok' | 'error' | 'cancelled', string][] = [
      ['local', 'laptop', 'ok', 'rule'],
      ['lan', `desk${d % 3}`, d % 5 === 0 ? 'error' : 'ok', 'heuristic'],
      ['cloud', 'cloud', 'ok', 'ml'],
      ['lan', 'desk0', d % 7 === 0 ? 'cancelled' : 'ok', 'ml'],
    ];
    kinds.forEach(([route, node, outcome, strategy], i) => {
      const id = `r${d}-${i}`;
      const at = day + i * 60_000;
      const ttftMs = 100 + ((d * 7 + i * 13) % 400);
      requests.record({
        id, conversationId: conversation, source: 'panel', route, node, strategy, outcome, tokensEstimated: false, attempts: 1,
        promptTokens: 1000 + d, completionTokens: 100, ttftMs, totalMs: ttftMs + 500, createdAt: at,
        ...(route === 'cloud' ? { contextTokensBefore: 9000 + d, contextTokensAfter: 3000 } : {}),
      });
      router.record({ requestId: id, features: new Float32Array([1, d]), route, outcome, feedbackPossible: i !== 1, createdAt: at });
      if (route !== 'cloud' && outcome === 'ok') gate.record(id, { score: (d % 10) / 10, pCloud: 0.2, pass: d % 9 !== 0, reasons: [], signals: {} }, d % 9 === 0 ? `x${d}` : undefined, at);
      store.write('INSERT INTO messages (id, conversation_id, role, content, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?)', [`m${id}`, conversation, 'user', `question ${id}`, id, at]);
    });
    if (d % 4 === 0) router.thumbs(`r${d}-0`, -1);
    if (d % 6 === 0) {
      router.thumbs(`r${d}-3`, 1);
      store.write("INSERT INTO feedback_data (id, request_id, kind, value, created_at) VALUES (?, ?, 'thumbs', 1, ?)", [`f${d}`, `r${d}-3`, day + HOUR_MS]);
    }
    if (d % 8 === 0) {
      router.rerouted(`r${d}-0`, `r${d}-2`);
      requests.replaced(`r${d}-0`, `r${d}-2`);
    }
  }
}

const all = () => dashboardData(store, { period: 'all', now: NOW, prices: PRICES });

/** The median TTFT and the streaming share are taken over the kept requests (a day's totals have no order). */
function withoutMedians(d: DashboardData) {
  const { medianTtftMs: _m, ttftShareOfTotal: _s, ...headline } = d.headline;
  return { ...d, headline };
}

describe('retention decisions', () => {
  it('keeps the setting\'s default days (package.json) unless told otherwise', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } };
    expect(pkg.contributes.configuration.properties['singularity.retention.days']!.default).toBe(DEFAULT_RETENTION.days);
  });

  it('keeps the given whole days before today, and everything with 0', () => {
    expect(retentionCutoff(NOW, 90)).toBe(Date.UTC(2026, 10, 24) - 90 * DAY_MS);
    expect(retentionCutoff(NOW, 0)).toBeUndefined();
  });

  it('reads days older than ROLLUP_AFTER_DAYS (or the kept days, if fewer) from the aggregates', () => {
    const today = Date.UTC(2026, 10, 24);
    expect(rollupHorizon(NOW, 90)).toBe(today - ROLLUP_AFTER_DAYS * DAY_MS);
    expect(rollupHorizon(NOW, 0)).toBe(today - ROLLUP_AFTER_DAYS * DAY_MS);
    expect(rollupHorizon(NOW, 7)).toBe(today - 7 * DAY_MS);
    expect(ROLLUP_AFTER_DAYS).toBeGreaterThan(30); // the 30-day period never reads them
  });

  it('rolls up the day of the oldest row while it is before the horizon', () => {
    const cutoff = retentionCutoff(NOW, 30)!;
    expect(nextDayToRollUp(cutoff - 1, cutoff)).toBe(cutoff - DAY_MS);
    expect(nextDayToRollUp(cutoff, cutoff)).toBeUndefined();
    expect(nextDayToRollUp(undefined, cutoff)).toBeUndefined();
  });

  it('ends a slice at the day\'s end or where the next batch of requests starts, never where it began', () => {
    const day = Date.UTC(2026, 0, 10);
    expect(sliceEnd(day + 5, undefined)).toBe(day + DAY_MS);
    expect(sliceEnd(day + 5, day + 900)).toBe(day + 900);
    expect(sliceEnd(day + 5, day + 5)).toBe(day + 6);
    expect(sliceEnd(day + 5, day + 2 * DAY_MS)).toBe(day + DAY_MS);
  });

  it('deletes only the training rows over the cap', () => {
    expect(trainingRowsOverCap(25_000, DEFAULT_RETENTION.maxTrainingRows)).toBe(5000);
    expect(trainingRowsOverCap(100, DEFAULT_RETENTION.maxTrainingRows)).toBe(0);
  });
});

describe('runRetention', () => {
  it('leaves the dashboard\'s "all time" figures as they were', async () => {
    history();
    const before = await all();
    const report = await runRetention(store, { days: KEEP, maxTrainingRows: 1_000_000 }, NOW);
    expect(report.slicesRolledUp).toBeGreaterThan(80);
    const after = await all();
    expect(withoutMedians(after)).toEqual(withoutMedians(before));
    expect(after.headline.requests).toBe(DAYS * 4);
  });

  it('deletes the per-request rows and conversation text older than the kept days, and nothing newer', async () => {
    history();
    const cutoff = retentionCutoff(NOW, KEEP)!;
    const newer = (table: string) => count(`SELECT COUNT(*) AS n FROM ${table} WHERE created_at >= ${cutoff}`);
    const kept = Object.fromEntries(await Promise.all(['requests', 'messages', 'conversations', 'quality_gate_results', 'feedback_data', 'ml_router_predictions'].map(async (t) => [t, await newer(t)])));
    await runRetention(store, { days: KEEP, maxTrainingRows: 1_000_000 }, NOW);
    for (const [table, n] of Object.entries(kept)) {
      expect(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE created_at < ${cutoff}`), table).toBe(0);
      expect(await newer(table), table).toBe(n);
    }
    expect(await count('SELECT COUNT(*) AS n FROM requests')).toBeGreaterThan(0);
    expect(await count('SELECT COUNT(*) AS n FROM ml_router_training_data')).toBe(DAYS * 4);
  });

  it('rolls a busy day up in slices of at most BATCH_ROWS requests, and "all time" stays the same', async () => {
    const requests = new Requests(store);
    const old = NOW - 100 * DAY_MS;
    const n = BATCH_ROWS * 2 + 200;
    for (let i = 0; i < n; i++) {
      requests.record({ id: `b${i}`, source: 'proxy', route: i % 2 ? 'lan' : 'local', node: `n${i % 3}`, outcome: 'ok', tokensEstimated: false, attempts: 1, ttftMs: 100 + (i % 50), totalMs: 700 + (i % 50), completionTokens: 60, createdAt: old + Math.floor(i / 3) });
    }
    requests.record({ id: 'recent', source: 'proxy', route: 'lan', node: 'n1', outcome: 'ok', tokensEstimated: false, attempts: 1, createdAt: NOW - HOUR_MS });
    const before = await all();
    const report = await runRetention(store, { days: KEEP, maxTrainingRows: 1_000_000 }, NOW);
    expect(report.slicesRolledUp).toBe(3);
    expect(withoutMedians(await all())).toEqual(withoutMedians(before));
    expect(await count('SELECT COUNT(*) AS n FROM requests')).toBe(1);
  });

  it('reads the days past ROLLUP_AFTER_DAYS from the aggregates while their rows are still kept', async () => {
    history();
    const before = await all();
    const rows = await count('SELECT COUNT(*) AS n FROM requests');
    await runRetention(store, { days: 90, maxTrainingRows: 1_000_000 }, NOW);
    expect(withoutMedians(await all())).toEqual(withoutMedians(before));
    const horizon = rollupHorizon(NOW, 90);
    expect(await count('SELECT MAX(until) AS n FROM daily_learning')).toBe(horizon);
    // Days 32 to 90 ago (13:00 UTC each) are rolled up and still in the table; days 91 to 119 ago are deleted.
    expect(await count(`SELECT COUNT(*) AS n FROM requests WHERE created_at < ${horizon} AND created_at >= ${retentionCutoff(NOW, 90)!}`)).toBe(59 * 4);
    expect(await count('SELECT COUNT(*) AS n FROM requests')).toBe(rows - (DAYS - 91) * 4);
  });

  it('rolls each row up once over passes on later days', async () => {
    history();
    const before = await all();
    for (const days of [0, 5, 10]) await runRetention(store, { days: 90, maxTrainingRows: 1_000_000 }, NOW + days * DAY_MS);
    const after = await dashboardData(store, { period: 'all', now: NOW, prices: PRICES });
    expect(after.headline.requests).toBe(before.headline.requests);
    expect(withoutMedians(after)).toEqual(withoutMedians(before));
  });

  it('caps the training rows, keeping the labelled and the ones with feedback, then the newest', async () => {
    history();
    const informative = await count('SELECT COUNT(*) AS n FROM ml_router_training_data WHERE label IS NOT NULL OR thumbs IS NOT NULL OR rerouted = 1');
    const cap = informative + 10;
    const report = await runRetention(store, { days: 0, maxTrainingRows: cap }, NOW);
    expect(report.trainingRowsDeleted).toBe(DAYS * 4 - cap);
    expect(await count('SELECT COUNT(*) AS n FROM ml_router_training_data')).toBe(cap);
    expect(await count('SELECT COUNT(*) AS n FROM ml_router_training_data WHERE label IS NOT NULL OR thumbs IS NOT NULL OR rerouted = 1')).toBe(informative);
    // The uninformative rows left are the newest ones.
    const left = await store.query<{ request_id: string }>('SELECT request_id FROM ml_router_training_data WHERE NOT (label IS NOT NULL OR thumbs IS NOT NULL OR rerouted = 1) ORDER BY created_at DESC');
    const newest = await store.query<{ id: string }>(`SELECT id FROM requests WHERE id IN (${left.map((r) => `'${r.request_id}'`).join(',')}) ORDER BY created_at DESC`);
    expect(left.length).toBe(10);
    expect(newest.map((r) => r.id)).toEqual(left.map((r) => r.request_id));
  });

  it('drops labelled rows and those with feedback too, oldest first, when they alone are over the cap', async () => {
    history();
    const newest = (await store
      .query<{ id: string }>('SELECT id FROM ml_router_training_data WHERE label IS NOT NULL OR thumbs IS NOT NULL OR rerouted = 1 ORDER BY created_at DESC LIMIT 5'))
      .map((r) => r.id);
    await runRetention(store, { days: 0, maxTrainingRows: 5 }, NOW);
    expect((await store.query<{ id: string }>('SELECT id FROM ml_router_training_data ORDER BY created_at DESC')).map((r) => r.id)).toEqual(newest);
  });

  it('stops between statements when aborted', async () => {
    history();
    const abort = new AbortController();
    abort.abort();
    expect(await runRetention(store, { days: KEEP, maxTrainingRows: 10 }, NOW, abort.signal)).toEqual({ slicesRolledUp: 0, rowsDeleted: 0, trainingRowsDeleted: 0, conversationsDeleted: 0 });
    expect(await count('SELECT COUNT(*) AS n FROM requests')).toBe(DAYS * 4);
  });
});

// Every query behind the dashboard reads index ranges, never a whole table: checked on SQLite's own plan
// (EXPLAIN QUERY PLAN) for every statement dashboardData runs, over a history with rolled-up days.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue } from 'sql.js';
import { Store } from '../../src/core/store/db';
import { Requests } from '../../src/core/store/requests';
import { RouterData } from '../../src/core/store/routerData';
import { dashboardData } from '../../src/core/metrics/dashboard';
import { DAY_MS } from '../../src/core/metrics/window';
import { runRetention } from '../../src/core/store/retention';
import { PERIODS, type Period } from '../../src/shared/dashboard';

const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);
/** The tables a series reads (and the aliases the queries give them); a small library table may be read whole. */
const BIG = new Set(['requests', 'r', 't', 'ml_router_training_data', 'feedback_data', 'quality_gate_results', 'daily_requests', 'daily_strategies', 'daily_learning', 'adaptive_learning_logs']);

let store: Store;
const plans = new Map<Period, { sql: string; plan: string[] }[]>();

beforeAll(async () => {
  store = (await Store.open()).store;
  const requests = new Requests(store);
  const router = new RouterData(store);
  for (let i = 0; i < 400; i++) {
    const at = NOW - i * 6 * 3_600_000;
    const route = (['local', 'lan', 'cloud'] as const)[i % 3];
    requests.record({ id: `r${i}`, source: 'panel', route, node: `n${i % 4}`, strategy: 'rule', outcome: 'ok', tokensEstimated: false, attempts: 1, ttftMs: 100, totalMs: 900, completionTokens: 50, createdAt: at, ...(route === 'cloud' ? { contextTokensBefore: 900, contextTokensAfter: 300 } : {}) });
    router.record({ requestId: `r${i}`, features: new Float32Array([1]), route, outcome: 'ok', feedbackPossible: true, createdAt: at });
  }
  await runRetention(store, { days: 60, maxTrainingRows: 20_000 }, NOW);
  const original = store.query.bind(store);
  const seen: string[] = [];
  store.query = ((sql: string, params?: SqlValue[]) => {
    seen.push(sql);
    return original(sql, params);
  }) as Store['query'];
  for (const period of PERIODS) {
    seen.length = 0;
    await dashboardData(store, { period, now: NOW + DAY_MS, prices: { inputPerMillion: 1, outputPerMillion: 1 } });
    const statements = [...seen];
    plans.set(period, await Promise.all(statements.map(async (sql) => ({ sql, plan: (await original<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)).map((r) => r.detail) }))));
  }
  expect(Number((await original<{ n: number }>('SELECT COUNT(*) AS n FROM daily_requests'))[0]!.n)).toBeGreaterThan(0);
});

const planOf = (period: Period, sqlPart: string) => plans.get(period)!.find((p) => p.sql.includes(sqlPart))?.plan.join('\n') ?? '';

describe('dashboard query plans', () => {
  it.each(PERIODS)('reads no per-request table whole for %s', (period) => {
    const fullScans = plans.get(period)!.flatMap(({ sql, plan }) =>
      plan.filter((d) => /^SCAN (\w+)/.test(d) && BIG.has(/^SCAN (\w+)/.exec(d)![1]!)).map((d) => `${d} in ${sql.replace(/\s+/g, ' ').slice(0, 120)}`),
    );
    expect(fullScans).toEqual([]);
  });

  it('reads each series from its covering index', () => {
    expect(planOf('all', 'INDEXED BY requests_metrics_compression')).toMatch(/COVERING INDEX requests_metrics_compression/);
    expect(planOf('all', 'r.replaced_by IS NOT NULL')).toMatch(/COVERING INDEX requests_metrics_replaced/);
    expect(planOf('all', 'thumbs = -1 OR rerouted = 1')).toMatch(/COVERING INDEX ml_router_training_rejected/);
    expect(planOf('all', "t.label IS NOT NULL AND t.route != 'cloud'")).toMatch(/COVERING INDEX ml_router_training_labelled/);
    expect(planOf('all', 'r.route IS c.route')).toMatch(/COVERING INDEX requests_metrics_route/);
    expect(planOf('all', 'r.node = n.v')).toMatch(/COVERING INDEX requests_metrics_node/);
    expect(planOf('all', 'r.strategy IS s.v')).toMatch(/COVERING INDEX requests_metrics_strategy/);
    expect(planOf('all', 'FROM daily_requests WHERE day')).toMatch(/INDEX daily_requests_key/);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/core/store/db';
import { Requests, type RequestRecord } from '../../src/core/store/requests';
import { RouterData } from '../../src/core/store/routerData';
import { dashboardData, EMPTY_SECTIONS } from '../../src/core/metrics/dashboard';
import { csvField, EXPORT_COLUMNS, exportRequests } from '../../src/core/metrics/export';
import { DAY_MS, dayStart, HOUR_MS, localMidnight, periodWindow } from '../../src/core/metrics/window';
import { PERIODS, type DashboardData } from '../../src/shared/dashboard';

// A fixed local afternoon: 'today' then has 15 one-hour buckets from local midnight.
const NOW = new Date(2026, 10, 24, 15, 0, 0).getTime();
const MIDNIGHT = new Date(2026, 10, 24, 0, 0, 0).getTime();
const PRICES = { inputPerMillion: 3, outputPerMillion: 15 };

let store: Store;
let requests: Requests;
let seq = 0;
beforeEach(async () => {
  store = (await Store.open()).store;
  requests = new Requests(store);
  seq = 0;
});

function add(r: Partial<RequestRecord> & { createdAt: number }): void {
  requests.record({ id: `r${++seq}`, source: 'panel', tokensEstimated: false, attempts: 1, outcome: 'ok', strategy: 'rule', ...r });
}

const data = async (period: DashboardData['period'], now = NOW) => await dashboardData(store, { period, now, prices: PRICES });

function allSeriesLengths(d: DashboardData): number[] {
  return [
    ...Object.values(d.routes.values).map((v) => v.length),
    ...Object.values(d.tokensSaved.values).map((v) => v.length),
    ...Object.values(d.outcomes.values).map((v) => v.length),
    ...d.nodes.nodes.flatMap((n) => [n.ttftMs.length, n.tokensPerSecond.length, n.requests.length]),
    d.routes.buckets.length, d.tokensSaved.buckets.length, d.outcomes.buckets.length, d.nodes.buckets.length,
  ];
}

describe('periodWindow', () => {
  it('today starts at local midnight with hourly buckets; 7d/30d end at now; all starts on the (UTC) day of the oldest request', async () => {
    expect(localMidnight(NOW)).toBe(MIDNIGHT);
    expect(await periodWindow('today', NOW, store)).toEqual({ from: MIDNIGHT, to: NOW, bucketMs: HOUR_MS, buckets: 15, kept: 0 });
    expect(await periodWindow('7d', NOW, store)).toEqual({ from: NOW - 7 * DAY_MS, to: NOW, bucketMs: 6 * HOUR_MS, buckets: 28, kept: 0 });
    expect(await periodWindow('30d', NOW, store)).toEqual({ from: NOW - 30 * DAY_MS, to: NOW, bucketMs: DAY_MS, buckets: 30, kept: 0 });
    expect(await periodWindow('all', NOW, store)).toEqual({ from: NOW, to: NOW, bucketMs: DAY_MS, buckets: 1, kept: 0 });
    add({ createdAt: NOW - 400 * DAY_MS });
    const all = await periodWindow('all', NOW, store);
    expect(all.from).toBe(dayStart(NOW - 400 * DAY_MS));
    expect(all.bucketMs).toBe(4 * DAY_MS); // 400 days and a part / 120 buckets, rounded up to whole days
    expect(all.buckets).toBe(101);
  });

  it('puts a request 8 days old in 30d and all but not 7d; one from yesterday evening is not today', async () => {
    add({ createdAt: NOW - 8 * DAY_MS });
    add({ createdAt: MIDNIGHT - 1 });
    add({ createdAt: MIDNIGHT });
    expect((await data('today')).headline.requests).toBe(1);
    expect((await data('7d')).headline.requests).toBe(2);
    expect((await data('30d')).headline.requests).toBe(3);
    expect((await data('all')).headline.requests).toBe(3);
  });

  it('excludes requests stamped after now and includes one stamped exactly now (last bucket)', async () => {
    add({ createdAt: NOW });
    add({ createdAt: NOW + 1 });
    const d = await data('30d');
    expect(d.headline.requests).toBe(1);
    expect(d.outcomes.values.ok[29]).toBe(1);
  });
});

describe('dashboardData', () => {
  it('computes tokens saved, cost, local share and acceptance for a known mix', async () => {
    const t = NOW - HOUR_MS;
    add({ createdAt: t, route: 'local', node: 'laptop', promptTokens: 1000, completionTokens: 500 });
    add({ createdAt: t, route: 'lan', node: 'desk', promptTokens: 2000, completionTokens: 1500 });
    add({ createdAt: t, route: 'cloud', node: 'cloud', promptTokens: 9000, completionTokens: 9000 }); // not saved
    add({ createdAt: t, route: 'lan', node: 'desk', promptTokens: 700, completionTokens: 10, outcome: 'error' }); // not answered
    add({ createdAt: t, route: 'local', node: 'laptop', promptTokens: 300, outcome: 'cancelled' });
    add({ createdAt: t, outcome: 'error' }); // failed before routing: no route
    const h = (await data('today')).headline;
    expect(h.requests).toBe(6);
    expect(h.cloudTokensSaved).toBe(1000 + 500 + 2000 + 1500);
    expect(h.costSaved).toBeCloseTo((3000 * 3 + 2000 * 15) / 1e6, 12);
    expect(h.localShare).toBeCloseTo(2 / 3, 12);
    expect(h.acceptanceRate).toBe(1);
  });

  it('counts as accepted only the answers the user did not reject: a thumbs-down or a reroute to the cloud is not', async () => {
    const data7 = new RouterData(store);
    const x = new Float32Array(4);
    for (const id of ['a', 'b', 'c', 'd']) {
      requests.record({ id, source: 'panel', route: 'local', tokensEstimated: false, attempts: 1, outcome: 'ok', createdAt: NOW - 1000 });
      data7.record({ requestId: id, features: x, route: 'local', outcome: 'ok', feedbackPossible: true, createdAt: NOW - 1000 });
    }
    data7.thumbs('a', -1);
    data7.rerouted('b', 'b-cloud');
    data7.thumbs('c', 1);
    expect((await data('today')).headline.acceptanceRate).toBe(2 / 4);
  });

  it('takes the median TTFT of answered requests: middle value (odd), mean of the two middle ones (even)', async () => {
    for (const ttftMs of [500, 100, 300]) add({ createdAt: NOW - 1000, route: 'local', ttftMs, totalMs: ttftMs + 1000 });
    add({ createdAt: NOW - 1000, route: 'local', ttftMs: 1, outcome: 'error' }); // not answered: ignored
    add({ createdAt: NOW - 1000, route: 'local' }); // no TTFT: ignored
    expect((await data('today')).headline.medianTtftMs).toBe(300);
    add({ createdAt: NOW - 1000, route: 'lan', ttftMs: 400 });
    expect((await data('today')).headline.medianTtftMs).toBe(350);
  });

  it('reports when text appears as a share of the answer time: the median of ttft / total over answered requests', async () => {
    add({ createdAt: NOW - 1000, route: 'local', ttftMs: 100, totalMs: 1000 });
    add({ createdAt: NOW - 1000, route: 'local', ttftMs: 300, totalMs: 1000 });
    add({ createdAt: NOW - 1000, route: 'cloud', ttftMs: 50, totalMs: 100 });
    add({ createdAt: NOW - 1000, route: 'local', ttftMs: 900, totalMs: 1000, outcome: 'cancelled' }); // not answered: ignored
    expect((await data('today')).headline.ttftShareOfTotal).toBeCloseTo(0.3, 12);
  });

  it('assigns requests to buckets and fills every series per bucket', async () => {
    add({ createdAt: MIDNIGHT, route: 'local', promptTokens: 10, completionTokens: 5 }); // bucket 0
    add({ createdAt: MIDNIGHT + HOUR_MS - 1, route: 'cloud' }); // still bucket 0
    add({ createdAt: MIDNIGHT + HOUR_MS, route: 'lan', promptTokens: 1, completionTokens: 1 }); // bucket 1
    add({ createdAt: MIDNIGHT + 14 * HOUR_MS + 5, route: 'lan', outcome: 'cancelled' }); // bucket 14 (last)
    const d = await data('today');
    expect(d.from).toBe(MIDNIGHT);
    expect(d.generatedAt).toBe(NOW);
    expect(d.bucketMs).toBe(HOUR_MS);
    expect(d.routes.buckets).toEqual(Array.from({ length: 15 }, (_, i) => MIDNIGHT + i * HOUR_MS));
    const zeros = () => new Array<number>(15).fill(0);
    const set = (a: number[], at: Record<number, number>) => (Object.entries(at).forEach(([i, v]) => (a[Number(i)] = v)), a);
    expect(d.routes.values).toEqual({ local: set(zeros(), { 0: 1 }), lan: set(zeros(), { 1: 1, 14: 1 }), cloud: set(zeros(), { 0: 1 }) });
    expect(d.outcomes.values).toEqual({ ok: set(zeros(), { 0: 2, 1: 1 }), error: zeros(), cancelled: set(zeros(), { 14: 1 }) });
    expect(d.tokensSaved.values.saved).toEqual(set(zeros(), { 0: 15, 1: 2 }));
    expect(new Set(allSeriesLengths(d))).toEqual(new Set([15]));
  });

  it('averages TTFT and tokens/s per node and bucket, null where there is no data', async () => {
    const b0 = NOW - 30 * DAY_MS; // 30d: daily buckets from here
    // desk, bucket 0: ttft 100 and 300; tokens/s 100 / 1 s = 100 and 300 / 1 s = 300; an error counts as a request only
    add({ createdAt: b0 + 1, route: 'lan', node: 'desk', ttftMs: 100, totalMs: 1100, completionTokens: 100 });
    add({ createdAt: b0 + 2, route: 'lan', node: 'desk', ttftMs: 300, totalMs: 1300, completionTokens: 300 });
    add({ createdAt: b0 + 3, route: 'lan', node: 'desk', ttftMs: 5, totalMs: 6, completionTokens: 999, outcome: 'error' });
    // desk, bucket 2: total_ms == ttft_ms -> no tokens/s
    add({ createdAt: b0 + 2 * DAY_MS, route: 'lan', node: 'desk', ttftMs: 50, totalMs: 50, completionTokens: 10 });
    // laptop, bucket 1 only
    add({ createdAt: b0 + DAY_MS, route: 'local', node: 'laptop', ttftMs: 20, totalMs: 520, completionTokens: 50 });
    const { nodes } = (await data('30d')).nodes;
    expect(nodes.map((n) => n.name)).toEqual(['desk', 'laptop']);
    const [desk, laptop] = nodes;
    expect(desk!.requests.slice(0, 3)).toEqual([3, 0, 1]);
    expect(desk!.ttftMs.slice(0, 3)).toEqual([200, null, 50]);
    expect(desk!.tokensPerSecond.slice(0, 3)).toEqual([200, null, null]);
    expect(laptop!.ttftMs.slice(0, 3)).toEqual([null, 20, null]);
    expect(laptop!.tokensPerSecond[1]).toBe(100);
    expect(desk!.ttftMs.slice(3).every((v) => v === null)).toBe(true);
  });

  it('keeps the 8 busiest nodes of the window', async () => {
    for (let n = 0; n < 10; n++) for (let i = 0; i <= n; i++) add({ createdAt: NOW - 1000, route: 'lan', node: `node${n}` });
    add({ createdAt: NOW - 40 * DAY_MS, route: 'lan', node: 'old' }); // outside 30d
    const names = (await data('30d')).nodes.nodes.map((n) => n.name);
    expect(names).toEqual(['node9', 'node8', 'node7', 'node6', 'node5', 'node4', 'node3', 'node2']);
  });

  it('counts requests per strategy, most used first', async () => {
    add({ createdAt: NOW - 1, strategy: 'rule' });
    add({ createdAt: NOW - 2, strategy: 'rule' });
    add({ createdAt: NOW - 3, strategy: 'ml' });
    add({ createdAt: NOW - 4, strategy: undefined });
    add({ createdAt: NOW - 40 * DAY_MS, strategy: 'heuristic' });
    expect((await data('30d')).strategies).toEqual([
      { name: 'rule', requests: 2 },
      { name: 'ml', requests: 1 },
      { name: 'none', requests: 1 },
    ]);
  });

  it('returns zeros, undefined rates, equal-length series and the empty sections with an empty store', async () => {
    for (const period of PERIODS) {
      const d = await data(period);
      expect(d.headline).toEqual({ requests: 0, cloudTokensSaved: 0, costSaved: 0, localShare: undefined, medianTtftMs: undefined, ttftShareOfTotal: undefined, acceptanceRate: undefined });
      const n = d.routes.buckets.length;
      expect(n).toBeGreaterThan(0);
      expect(new Set(allSeriesLengths(d))).toEqual(new Set([n]));
      expect(Object.values(d.outcomes.values).every((v) => v.every((x) => x === 0))).toBe(true);
      expect(d.nodes.nodes).toEqual([]);
      expect(d.strategies).toEqual([]);
      expect(d.learnedRouter).toEqual(EMPTY_SECTIONS.learnedRouter);
      expect(d.compression.available).toBe(false);
      expect(d.vision.hint).toMatch(/Image requests/);
      expect(Object.values(d.learning.series.values).every((v) => v.length === n && v.every((x) => x === null))).toBe(true);
    }
  });

  it('handles 7d and all windows with several buckets', async () => {
    add({ createdAt: NOW - 7 * DAY_MS, route: 'cloud' }); // first 6-hour bucket of 7d
    add({ createdAt: NOW - 6 * HOUR_MS - 1, route: 'cloud' }); // bucket 26
    const d7 = await data('7d');
    expect(d7.routes.values.cloud[0]).toBe(1);
    expect(d7.routes.values.cloud[26]).toBe(1);
    const all = await data('all');
    expect(all.from).toBe(dayStart(NOW - 7 * DAY_MS));
    expect(all.routes.buckets.length).toBe(8); // 7 days and the part of a day before the oldest request
    const cloud = new Array<number>(8).fill(0);
    for (const t of [NOW - 7 * DAY_MS, NOW - 6 * HOUR_MS - 1]) cloud[Math.floor((t - all.from) / DAY_MS)]! += 1;
    expect(all.routes.values.cloud).toEqual(cloud);
  });
});

describe('exportRequests', () => {
  it('quotes CSV fields with comma, quote and newlines (RFC 4180) and keeps the period', async () => {
    add({ createdAt: NOW - 2000, route: 'local', node: 'laptop', reason: 'short, "quoted"\nline two', promptTokens: 12, ttftMs: 120.5 });
    add({ createdAt: NOW - 1000, route: 'cloud', error: 'a\r\nb', outcome: 'error' });
    add({ createdAt: NOW - 8 * DAY_MS, route: 'lan' }); // outside 7d
    const { text, rows } = await exportRequests(store, { period: '7d', now: NOW, format: 'csv' });
    expect(rows).toBe(2);
    expect(text.startsWith(`${EXPORT_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text).toContain('"short, ""quoted""\nline two"');
    expect(text).toContain('"a\r\nb"');
    expect(text.endsWith('\r\n')).toBe(true);
    const first = parseCsv(text)[1]!;
    const col = (c: (typeof EXPORT_COLUMNS)[number]) => first[EXPORT_COLUMNS.indexOf(c)];
    expect(first.length).toBe(EXPORT_COLUMNS.length);
    expect(col('id')).toBe('r1');
    expect(col('reason')).toBe('short, "quoted"\nline two');
    expect(col('conversation_id')).toBe('');
    expect(Number(col('ttft_ms'))).toBe(120.5);
    expect(Number(col('created_at'))).toBe(NOW - 2000);
    expect(parseCsv(text).length).toBe(3);
  });

  it('exports JSON as an array of row objects, oldest first', async () => {
    add({ createdAt: NOW - 1000, route: 'lan', node: 'desk', promptTokens: 5, completionTokens: 7, reason: 'x,"y"' });
    add({ createdAt: NOW - 2000, route: 'cloud', outcome: 'error', error: 'boom' });
    const { text, rows } = await exportRequests(store, { period: 'today', now: NOW, format: 'json' });
    expect(rows).toBe(2);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed.map((r) => r.id)).toEqual(['r2', 'r1']);
    expect(Object.keys(parsed[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(parsed[1]).toMatchObject({ route: 'lan', node: 'desk', prompt_tokens: 5, completion_tokens: 7, reason: 'x,"y"', outcome: 'ok', created_at: NOW - 1000, conversation_id: null });
    expect(parsed[0]).toMatchObject({ outcome: 'error', error: 'boom' });
  });

  it('exports an empty period as a header line or an empty array', async () => {
    expect(await exportRequests(store, { period: 'all', now: NOW, format: 'csv' })).toEqual({ text: `${EXPORT_COLUMNS.join(',')}\r\n`, rows: 0 });
    expect(await exportRequests(store, { period: 'all', now: NOW, format: 'json' })).toEqual({ text: '[]', rows: 0 });
  });

  it('neutralises text cells a spreadsheet would run as a formula', async () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
  });

  it('csvField follows the same rule', async () => {
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\nb')).toBe('"a\nb"');
  });
});

/** Minimal RFC 4180 parser for the assertions. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  return rows;
}

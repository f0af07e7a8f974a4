// The dashboard's figures for one period, aggregated in SQL from the requests table (never by loading
// rows into JS: a year of use is ~100k requests and every query must stay well under 50 ms, see
// bench/metrics.ts and docs/dashboard.md).
//
// Definitions (the window is [from, now], see window.ts):
// - requests: every request recorded in the window, whatever its outcome.
// - cloudTokensSaved: SUM(prompt_tokens + completion_tokens) of requests with outcome 'ok' and route
//   'local' or 'lan' (a missing token count counts as 0).
// - costSaved: saved prompt tokens × inputPerMillion / 1e6 + saved completion tokens × outputPerMillion / 1e6.
// - localShare: answered ('ok') requests on local or LAN / all answered requests; undefined with none.
// - medianTtftMs: median ttft_ms over answered requests that have one; with an even count, the mean of
//   the two middle values; undefined with none.
// - acceptanceRate: answered requests the user did not reject (no thumbs-down, not asked again of the cloud by
//   hand or by the quality gate) / answered requests; undefined with none answered.
// - routes: requests per route per bucket (a request without a route, e.g. one that failed before
//   routing, counts in `requests` and `outcomes` but in no route).
// - tokensSaved: cloudTokensSaved per bucket.
// - compression: answered cloud requests whose context was compressed, their context tokens before and
//   after; the difference counts in cloudTokensSaved (as prompt tokens) and tokensSaved (compression.ts).
// - outcomes: requests per outcome (ok / error / cancelled) per bucket.
// - nodes: the 8 nodes with the most requests in the window; per bucket their request count (any
//   outcome), mean ttft_ms and mean tokens/s of their answered requests, where tokens/s of a request is
//   completion_tokens / ((total_ms - ttft_ms) / 1000), only for requests with total_ms > ttft_ms.
// - strategies: requests per routing strategy in the window, most used first ('none' when unrecorded).
// Empty buckets hold 0 in count series and null in average series; every series has one value per bucket.
// Days retention rolled up (store/retention.ts) are added from the daily aggregates (days.ts); the median TTFT
// and the streaming share are taken over the rows still kept.

import type { Route } from '../types';
import type { Store } from '../store/db';
import type { DashboardData, EmptySection, Headline, NodeSeries, Period, Series } from '../../shared/dashboard';
import type { CloudPrices } from './types';
import { bucketStarts, bucketsCte, inRange, keptCondition, periodWindow, unpack, type PeriodWindow } from './window';
import { learningData } from './learning';
import { addCompressionSavings, compressionSavings } from './compression';
import { learningDays, requestDays, strategyDays, type LearningDays, type Outcome, type RequestDays, type StrategyDays } from './days';

export const TOP_NODES = 8;
const ROUTES: readonly Route[] = ['local', 'lan', 'cloud'];
const OUTCOMES = ['ok', 'error', 'cancelled'] as const;

export const EMPTY_SECTIONS = {
  learnedRouter: {
    available: false,
    hint: 'The learned router shows its model, A/B arms and retraining here once the extension has opened its database.',
  },
  compression: { available: false, hint: 'No cloud answer in this period had its context compressed; tokens before and after will show here.' },
  vision: { available: false, hint: 'Image requests (screenshots, pasted images) will show here, local vs cloud.' },
} as const satisfies Record<string, EmptySection>;

export interface DashboardOptions {
  period: Period;
  /** End of the window and `generatedAt` (epoch ms). */
  now: number;
  prices: CloudPrices;
}

export async function dashboardData(store: Store, options: DashboardOptions): Promise<DashboardData> {
  const w = await periodWindow(options.period, options.now, store);
  const buckets = bucketStarts(w);
  const days = await requestDays(store, w);
  const learned = await learningDays(store, w);
  const { headline, answeredWithTtft, routes, tokensSaved, outcomes } = await traffic(store, w, buckets, options.prices, days, learned);
  const compression = await compressionSavings(store, w, days);
  addCompressionSavings(headline, tokensSaved, compression, options.prices);
  headline.medianTtftMs = await medianTtft(store, w, answeredWithTtft);
  headline.ttftShareOfTotal = await ttftShareOfTotal(store, w);
  return {
    period: options.period,
    generatedAt: w.to,
    from: w.from,
    bucketMs: w.bucketMs,
    headline,
    routes,
    tokensSaved,
    outcomes,
    nodes: await nodeSeries(store, w, buckets, days),
    strategies: await strategies(store, w, await strategyDays(store, w)),
    learnedRouter: { ...EMPTY_SECTIONS.learnedRouter },
    compression:
      compression.requests > 0
        ? { available: true, requests: compression.requests, tokensBefore: compression.tokensBefore, tokensAfter: compression.tokensAfter }
        : { ...EMPTY_SECTIONS.compression },
    vision: { ...EMPTY_SECTIONS.vision },
    learning: await learningData(store, w, learned),
  };
}

/**
 * tokens/s of one request. Spelled exactly as in the requests_metrics_node index (migration 002) so
 * SQLite reads it from the index instead of computing it per row.
 */
export const TOKENS_PER_SECOND_SQL = '(CASE WHEN total_ms > ttft_ms THEN completion_tokens * 1000.0 / (total_ms - ttft_ms) END)';

/** Distinct values of an indexed column as a CTE (a skip over the index: one seek per value), ending with one NULL row. */
function distinctCte(name: string, column: 'node' | 'strategy'): string {
  return `${name}(v) AS (SELECT MIN(${column}) FROM requests UNION ALL
    SELECT (SELECT MIN(${column}) FROM requests WHERE ${column} > ${name}.v) FROM ${name} WHERE ${name}.v IS NOT NULL)`;
}

interface TrafficRow {
  bucket: number;
  route: Route | null;
  outcome: Outcome;
  v: string | number;
}

/** One (bucket, route, outcome) cell of the traffic: from the tables' packed aggregate or a rolled-up day. */
interface TrafficCell {
  bucket: number;
  route: Route | null;
  outcome: Outcome;
  n: number;
  withTtft: number;
  prompt: number;
  completion: number;
}

/**
 * Headline counts and the route / outcome / tokens-saved series: per bucket and (route or none) × outcome,
 * COUNT(*); answered ones also count their TTFTs (for the median), local/LAN answered ones sum their tokens.
 */
async function traffic(store: Store, w: PeriodWindow, buckets: number[], prices: CloudPrices, days: RequestDays[], learned: LearningDays[]) {
  const keys = [...ROUTES, null].flatMap((route) => OUTCOMES.map((outcome) => [route, outcome] as const));
  const values = keys
    .map(([route, outcome]) => {
      const kind = outcome !== 'ok' ? 0 : route === 'local' || route === 'lan' ? 2 : 1;
      return `(${route === null ? 'NULL' : `'${route}'`}, '${outcome}', ${kind})`;
    })
    .join(', ');
  const range = `FROM requests r WHERE r.route IS c.route AND r.outcome = c.outcome AND ${inRange('r')}`;
  const rows = await store.query<TrafficRow>(
    `WITH RECURSIVE ${bucketsCte(w)}, c(route, outcome, kind) AS (VALUES ${values})
     SELECT w.i AS bucket, c.route AS route, c.outcome AS outcome,
       CASE c.kind
         WHEN 2 THEN (SELECT COUNT(*) || ',' || COUNT(ttft_ms) || ',' || TOTAL(prompt_tokens) || ',' || TOTAL(completion_tokens) ${range})
         WHEN 1 THEN (SELECT COUNT(*) || ',' || COUNT(ttft_ms) ${range})
         ELSE (SELECT COUNT(*) ${range})
       END AS v
     FROM w, c`,
  );
  const cells: TrafficCell[] = rows.map((r) => {
    const [n = 0, withTtft = 0, prompt = 0, completion = 0] = unpack(r.v).map((x) => x ?? 0);
    return { bucket: r.bucket, route: r.route, outcome: r.outcome, n, withTtft, prompt, completion };
  });
  // The median is taken over the kept rows only (a day's aggregate has no order): their TTFTs are counted apart.
  const keptWithTtft = cells.reduce((sum, c) => sum + (c.outcome === 'ok' ? c.withTtft : 0), 0);
  for (const d of days) {
    cells.push({ bucket: d.bucket, route: d.route, outcome: d.outcome, n: d.requests, withTtft: 0, prompt: d.prompt_tokens, completion: d.completion_tokens });
  }
  const routes = zeros<Route>(ROUTES, buckets.length);
  const outcomes = zeros<Outcome>(OUTCOMES, buckets.length);
  const saved = zeros<'saved'>(['saved'], buckets.length);
  let requests = 0;
  let ok = 0;
  let okLocal = 0;
  let savedPrompt = 0;
  let savedCompletion = 0;
  for (const c of cells) {
    if (c.n === 0) continue;
    const b = c.bucket;
    requests += c.n;
    if (c.route !== null) routes[c.route][b]! += c.n;
    outcomes[c.outcome][b]! += c.n;
    if (c.outcome !== 'ok') continue;
    ok += c.n;
    if (c.route === 'local' || c.route === 'lan') {
      okLocal += c.n;
      savedPrompt += c.prompt;
      savedCompletion += c.completion;
      saved.saved[b]! += c.prompt + c.completion;
    }
  }
  // Node answers the cloud's replaced saved nothing: the cloud was asked after all.
  const replaced = await replacedNodeAnswers(store, w, days);
  for (const r of replaced) {
    saved.saved[r.bucket]! -= r.prompt + r.completion;
    savedPrompt -= r.prompt;
    savedCompletion -= r.completion;
    okLocal -= r.n;
  }
  const served = ok - replaced.reduce((sum, r) => sum + r.n, 0);
  // Verdicts live on the training rows (written with the request, same created_at; migration 9 holds the rejected
  // ones by time). Thumbs and "Ask the cloud" are offered on answers only, so a rejected row is an answered request.
  const rejected =
    Number(
      (
        await store.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM ml_router_training_data INDEXED BY ml_router_training_rejected WHERE ${keptCondition(w)} AND (thumbs = -1 OR rerouted = 1)`,
        )
      )[0]?.n ?? 0,
    ) + learned.reduce((sum, d) => sum + d.rejected, 0);
  const headline: Headline = {
    requests,
    cloudTokensSaved: savedPrompt + savedCompletion,
    costSaved: (savedPrompt * prices.inputPerMillion + savedCompletion * prices.outputPerMillion) / 1_000_000,
    localShare: served > 0 ? okLocal / served : undefined,
    acceptanceRate: ok > 0 ? Math.max(0, ok - rejected) / ok : undefined,
  };
  return {
    headline,
    answeredWithTtft: keptWithTtft,
    routes: { buckets, values: routes } satisfies Series<Route>,
    tokensSaved: { buckets, values: saved } satisfies Series<'saved'>,
    outcomes: { buckets, values: outcomes } satisfies Series<Outcome>,
  };
}

/**
 * Answered local / LAN requests whose answer the cloud's replaced, per bucket: count and tokens. The WHERE
 * repeats the requests_metrics_replaced index's condition (migration 009) so the range reads only those rows.
 */
async function replacedNodeAnswers(store: Store, w: PeriodWindow, days: RequestDays[]): Promise<{ bucket: number; n: number; prompt: number; completion: number }[]> {
  const rows = await store.query<{ bucket: number; v: string }>(
    `WITH RECURSIVE ${bucketsCte(w)}
     SELECT w.i AS bucket,
       (SELECT COUNT(*) || ',' || TOTAL(prompt_tokens) || ',' || TOTAL(completion_tokens) FROM requests r INDEXED BY requests_metrics_replaced
         WHERE r.outcome = 'ok' AND r.replaced_by IS NOT NULL AND r.route IN ('local', 'lan') AND ${inRange('r')}) AS v
     FROM w`,
  );
  const out = rows.map((r) => {
    const [n = 0, prompt = 0, completion = 0] = unpack(r.v).map((x) => x ?? 0);
    return { bucket: r.bucket, n, prompt, completion };
  });
  for (const d of days) {
    if (d.outcome === 'ok' && (d.route === 'local' || d.route === 'lan')) {
      out.push({ bucket: d.bucket, n: d.replaced, prompt: d.replaced_prompt_tokens, completion: d.replaced_completion_tokens });
    }
  }
  return out.filter((r) => r.n > 0);
}

/** Enough answers for a stable median; bounded so the figure costs the same on any history size. */
export const STREAMING_SAMPLE = 1000;

/** Median of ttft / total over the period's latest answered requests that have both. */
async function ttftShareOfTotal(store: Store, w: PeriodWindow): Promise<number | undefined> {
  const shares = (
    await store.query<{ s: number }>(
      `SELECT ttft_ms * 1.0 / total_ms AS s FROM requests INDEXED BY requests_created
        WHERE ${keptCondition(w)} AND outcome = 'ok' AND ttft_ms IS NOT NULL AND total_ms > 0
        ORDER BY created_at DESC LIMIT ${STREAMING_SAMPLE}`,
    )
  )
    .map((r) => Number(r.s))
    .sort((a, b) => a - b);
  if (shares.length === 0) return undefined;
  const mid = shares.length >> 1;
  return shares.length % 2 ? shares[mid]! : (shares[mid - 1]! + shares[mid]!) / 2;
}

/**
 * Median TTFT of the `n` kept answered requests with a TTFT: the middle row (odd n) or the mean of the two
 * middle rows (even n) in TTFT order. A large window walks the (outcome, ttft_ms) index in order and
 * stops at the middle; a small one sorts its few rows.
 */
async function medianTtft(store: Store, w: PeriodWindow, n: number): Promise<number | undefined> {
  if (n === 0) return undefined;
  const index = n > 5000 ? 'requests_metrics_ttft' : 'requests_created';
  const middle = await store.query<{ t: number }>(
    `SELECT ttft_ms AS t FROM requests INDEXED BY ${index}
      WHERE ${keptCondition(w)} AND outcome = 'ok' AND ttft_ms IS NOT NULL ORDER BY ttft_ms LIMIT ? OFFSET ?`,
    [n % 2 === 0 ? 2 : 1, Math.floor((n - 1) / 2)],
  );
  return middle.length === 0 ? undefined : middle.reduce((sum, r) => sum + r.t, 0) / middle.length;
}

interface NodeRow {
  node: string;
  bucket: number;
  ok: string;
  other: number;
}

/** One node's requests in one bucket, with the sums its means are made of. */
interface NodeCell {
  node: string;
  bucket: number;
  requests: number;
  withTtft: number;
  ttftSum: number;
  withTps: number;
  tpsSum: number;
}

/** Per node and bucket: answered count, mean TTFT and tokens/s, and the other requests' count; top nodes picked here. */
async function nodeSeries(store: Store, w: PeriodWindow, buckets: number[], days: RequestDays[]): Promise<NodeSeries> {
  const rows = await store.query<NodeRow>(
    `WITH RECURSIVE ${bucketsCte(w)}, ${distinctCte('n', 'node')}
     SELECT n.v AS node, w.i AS bucket,
       (SELECT COUNT(*) || ',' || COUNT(ttft_ms) || ',' || TOTAL(ttft_ms) || ',' || COUNT(${TOKENS_PER_SECOND_SQL}) || ',' || TOTAL(${TOKENS_PER_SECOND_SQL})
          FROM requests r WHERE r.node = n.v AND r.outcome = 'ok' AND ${inRange('r')}) AS ok,
       (SELECT COUNT(*) FROM requests r WHERE r.node = n.v AND r.outcome IN ('error', 'cancelled') AND ${inRange('r')}) AS other
     FROM n, w WHERE n.v IS NOT NULL`,
  );
  const cells = new Map<string, NodeCell>();
  const add = (c: NodeCell) => {
    const key = `${c.bucket}\u0000${c.node}`;
    const into = cells.get(key);
    if (!into) return void cells.set(key, c);
    into.requests += c.requests;
    into.withTtft += c.withTtft;
    into.ttftSum += c.ttftSum;
    into.withTps += c.withTps;
    into.tpsSum += c.tpsSum;
  };
  for (const r of rows) {
    const [ok = 0, withTtft = 0, ttftSum = 0, withTps = 0, tpsSum = 0] = unpack(r.ok).map((x) => x ?? 0);
    add({ node: r.node, bucket: r.bucket, requests: ok + Number(r.other), withTtft, ttftSum, withTps, tpsSum });
  }
  for (const d of days) {
    if (d.node === null) continue;
    const ok = d.outcome === 'ok';
    add({ node: d.node, bucket: d.bucket, requests: d.requests, withTtft: ok ? d.with_ttft : 0, ttftSum: ok ? d.ttft_sum : 0, withTps: ok ? d.with_tps : 0, tpsSum: ok ? d.tps_sum : 0 });
  }
  const totals = new Map<string, number>();
  for (const c of cells.values()) totals.set(c.node, (totals.get(c.node) ?? 0) + c.requests);
  const top = [...totals.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_NODES)
    .map(([name]) => ({
      name,
      ttftMs: new Array<number | null>(buckets.length).fill(null),
      tokensPerSecond: new Array<number | null>(buckets.length).fill(null),
      requests: new Array<number>(buckets.length).fill(0),
    }));
  const byName = new Map(top.map((n) => [n.name, n]));
  for (const c of cells.values()) {
    const node = byName.get(c.node);
    if (!node) continue;
    node.requests[c.bucket] = c.requests;
    node.ttftMs[c.bucket] = c.withTtft > 0 ? c.ttftSum / c.withTtft : null;
    node.tokensPerSecond[c.bucket] = c.withTps > 0 ? c.tpsSum / c.withTps : null;
  }
  return { buckets, nodes: top };
}

async function strategies(store: Store, w: PeriodWindow, days: StrategyDays[]): Promise<{ name: string; requests: number }[]> {
  const rows = await store.query<{ name: string; requests: number }>(
    `WITH RECURSIVE ${distinctCte('s', 'strategy')}
     SELECT COALESCE(s.v, 'none') AS name,
       (SELECT COUNT(*) FROM requests r WHERE r.strategy IS s.v AND ${keptCondition(w, 'r.created_at')}) AS requests
     FROM s`,
  );
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.name, (counts.get(r.name) ?? 0) + Number(r.requests));
  for (const d of days) counts.set(d.strategy ?? 'none', (counts.get(d.strategy ?? 'none') ?? 0) + d.requests);
  return [...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, requests]) => ({ name, requests }));
}

function zeros<K extends string>(keys: readonly K[], length: number): Record<K, number[]> {
  const out = {} as Record<K, number[]>;
  for (const k of keys) out[k] = new Array<number>(length).fill(0);
  return out;
}

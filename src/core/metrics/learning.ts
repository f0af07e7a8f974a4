// Is the assistant getting better with use? Per bucket of a dashboard window (and per week for the
// docs' simulated use), from the labels, feedback and gate verdicts the learning side stores:
// - localAcceptance: labelled node answers that were accepted (label 0) / labelled node answers;
// - rerouteRate: node answers asked again of the cloud (by the user or the gate) / labelled node answers;
// - thumbsUpShare: thumbs-up / all thumbs given in the bucket;
// - gateScore: mean quality score the gate gave node answers.
// Buckets without data hold null. Read like the rest of the dashboard (dashboard.ts): per bucket, one
// aggregate over a range of a covering index (migration 004), no GROUP BY and no table rows.

import type { Store } from '../store/db';
import type { LearningData, Series } from '../../shared/dashboard';
import { bucketsCte, bucketStarts, inRange, unpack, windowCondition, type PeriodWindow } from './window';
import type { LearningDays } from './days';

type Key = keyof LearningData['series']['values'];

/**
 * One packed aggregate per bucket over an index range, the dashboard's way (dashboard.ts): `aggregate`
 * returns 'a,b,c' for the rows of `table` (alias t, optionally `INDEXED BY ...`) in the bucket that match `where`.
 */
async function perBucket(store: Store, w: PeriodWindow, aggregate: string, table: string, where: string): Promise<number[][]> {
  const rows = await store.query<{ v: string | number | null }>(
    `WITH RECURSIVE ${bucketsCte(w)} SELECT (SELECT ${aggregate} FROM ${table} WHERE ${where} AND ${inRange('t')}) AS v FROM w ORDER BY w.i`,
  );
  return rows.map((r) => unpack(r.v).map((x) => x ?? 0));
}

/** Ratio per bucket of column `hit` over column `all`; null where `all` is 0. */
function series(rows: readonly number[][], all: number, hit: number): (number | null)[] {
  return rows.map((r) => ((r[all] ?? 0) > 0 ? r[hit]! / r[all]! : null));
}

const total = (rows: readonly number[][], column: number) => rows.reduce((n, r) => n + (r[column] ?? 0), 0);

/** Adds the rolled-up days' counts (`columns` of each day, in the order of the packed aggregate) to the buckets. */
function addDays(rows: number[][], days: readonly LearningDays[], columns: readonly (keyof LearningDays)[]): number[][] {
  for (const d of days) {
    const row = rows[d.bucket]!;
    columns.forEach((c, i) => (row[i] = (row[i] ?? 0) + d[c]));
  }
  return rows;
}

export async function learningData(store: Store, w: PeriodWindow, days: readonly LearningDays[]): Promise<LearningData> {
  const inWindow = windowCondition(w);
  // Node answers with a verdict: [labelled, accepted, rerouted]. The WHERE repeats the condition of the
  // ml_router_training_labelled index (migration 009), which holds only those rows.
  const nodes = addDays(
    await perBucket(store, w, "COUNT(*) || ',' || TOTAL(label = '0') || ',' || TOTAL(rerouted = 1)", 'ml_router_training_data t INDEXED BY ml_router_training_labelled', "t.label IS NOT NULL AND t.route != 'cloud'"),
    days,
    ['labelled', 'accepted', 'rerouted'],
  );
  // [thumbs, up]
  const thumbs = addDays(await perBucket(store, w, "COUNT(*) || ',' || TOTAL(value = 1)", 'feedback_data t', "t.kind = 'thumbs'"), days, ['thumbs', 'thumbs_up']);
  // [scored, score sum, escalated]
  const verdicts = addDays(
    await perBucket(store, w, "COUNT(*) || ',' || TOTAL(score) || ',' || COUNT(escalated_to)", 'quality_gate_results t', '1'),
    days,
    ['gate_scored', 'gate_score_sum', 'escalated'],
  );
  const values: Record<Key, (number | null)[]> = {
    localAcceptance: series(nodes, 0, 1),
    rerouteRate: series(nodes, 0, 2),
    thumbsUpShare: series(thumbs, 0, 1),
    gateScore: series(verdicts, 0, 1),
  };
  const library = await store.query<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM few_shot_examples GROUP BY status');
  const events = await store.query<{ event: string; n: number }>(`SELECT event, COUNT(*) AS n FROM adaptive_learning_logs WHERE ${inWindow} GROUP BY event`);
  const byStatus = new Map(library.map((r) => [r.status, Number(r.n)]));
  const byEvent = new Map(events.map((r) => [r.event, Number(r.n)]));
  return {
    series: { buckets: bucketStarts(w), values } satisfies Series<Key>,
    totals: {
      labelledLocal: total(nodes, 0),
      acceptedLocal: total(nodes, 1),
      rerouted: total(nodes, 2),
      escalated: total(verdicts, 2),
      gateScored: total(verdicts, 0),
      thumbsUp: total(thumbs, 1),
      thumbsDown: total(thumbs, 0) - total(thumbs, 1),
    },
    library: {
      active: byStatus.get('active') ?? 0,
      promoted: byStatus.get('promoted') ?? 0,
      retired: byStatus.get('retired') ?? 0,
      added: byEvent.get('added') ?? 0,
      used: byEvent.get('used') ?? 0,
      retiredInPeriod: byEvent.get('retired') ?? 0,
    },
  };
}

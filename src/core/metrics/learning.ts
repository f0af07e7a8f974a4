// Is the assistant getting better with use? Per bucket of a dashboard window (and per week for the
// docs' simulated use), from the labels, feedback and gate verdicts the learning side stores:
// - localAcceptance: labelled node answers that were accepted (label 0) / labelled node answers;
// - rerouteRate: node answers asked again of the cloud (by the user or the gate) / node answers that ended well;
// - thumbsUpShare: thumbs-up / all thumbs given in the bucket;
// - gateScore: mean quality score the gate gave node answers.
// Buckets without data hold null. Rows are bucketed here rather than with GROUP BY: there is one row per
// request at most, and the window's bounds are already on an index.

import type { Store } from '../store/db';
import type { LearningData, Series } from './types';
import { bucketStarts, windowCondition, type PeriodWindow } from './window';

type Key = keyof LearningData['series']['values'];

function bucketOf(w: PeriodWindow, at: number): number {
  return Math.min(w.buckets - 1, Math.max(0, Math.floor((at - w.from) / w.bucketMs)));
}

/** Ratio per bucket of `hit` over `all`, null where `all` is 0. */
function ratios(w: PeriodWindow, rows: readonly { at: number; all: number; hit: number }[]): (number | null)[] {
  const all = new Array<number>(w.buckets).fill(0);
  const hit = new Array<number>(w.buckets).fill(0);
  for (const r of rows) {
    const b = bucketOf(w, r.at);
    all[b]! += r.all;
    hit[b]! += r.hit;
  }
  return all.map((n, i) => (n > 0 ? hit[i]! / n : null));
}

export function learningData(store: Store, w: PeriodWindow): LearningData {
  const inWindow = windowCondition(w);
  const nodeRows = store.query<{ created_at: number; label: string | null; rerouted: number | null; outcome: string | null }>(
    `SELECT t.created_at, t.label, t.rerouted, r.outcome FROM ml_router_training_data t LEFT JOIN requests r ON r.id = t.request_id
      WHERE t.route != 'cloud' AND t.${inWindow}`,
  );
  const thumbs = store.query<{ created_at: number; value: number }>(`SELECT created_at, value FROM feedback_data WHERE kind = 'thumbs' AND ${inWindow}`);
  const verdicts = store.query<{ created_at: number; score: number; passed: number; escalated_to: string | null }>(`SELECT created_at, score, passed, escalated_to FROM quality_gate_results WHERE ${inWindow}`);
  const labelled = nodeRows.filter((r) => r.label !== null);
  const answered = nodeRows.filter((r) => r.outcome === 'ok');
  const values: Record<Key, (number | null)[]> = {
    localAcceptance: ratios(w, labelled.map((r) => ({ at: r.created_at, all: 1, hit: r.label === '0' ? 1 : 0 }))),
    rerouteRate: ratios(w, answered.map((r) => ({ at: r.created_at, all: 1, hit: r.rerouted === 1 ? 1 : 0 }))),
    thumbsUpShare: ratios(w, thumbs.map((r) => ({ at: r.created_at, all: 1, hit: r.value === 1 ? 1 : 0 }))),
    gateScore: ratios(w, verdicts.map((r) => ({ at: r.created_at, all: 1, hit: Number(r.score) }))),
  };
  const library = store.query<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM few_shot_examples GROUP BY status');
  const events = store.query<{ event: string; n: number }>(`SELECT event, COUNT(*) AS n FROM adaptive_learning_logs WHERE ${inWindow} GROUP BY event`);
  const byStatus = new Map(library.map((r) => [r.status, Number(r.n)]));
  const byEvent = new Map(events.map((r) => [r.event, Number(r.n)]));
  return {
    series: { buckets: bucketStarts(w), values } satisfies Series<Key>,
    totals: {
      labelledLocal: labelled.length,
      acceptedLocal: labelled.filter((r) => r.label === '0').length,
      rerouted: answered.filter((r) => r.rerouted === 1).length,
      escalated: verdicts.filter((r) => r.escalated_to !== null).length,
      gateScored: verdicts.length,
      thumbsUp: thumbs.filter((r) => r.value === 1).length,
      thumbsDown: thumbs.filter((r) => r.value === -1).length,
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

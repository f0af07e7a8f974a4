// What the learned router keeps: one training row per routed request (features, route, outcome, label),
// its prediction, and the feedback that changes the label later (thumbs, reroutes).

import type { Store } from './db';
import type { Route } from '../types';
import { FEATURE_COUNT } from '../router/features';
import type { LabeledRow } from '../router/model/build';
import { newId } from './ids';

export interface RoutedRequest {
  requestId: string;
  features: Float32Array;
  route: Route;
  outcome: 'ok' | 'cancelled' | 'error';
  ttftMs?: number;
  totalMs?: number;
  tokens?: number;
  prediction?: { pCloud: number; threshold: number; modelVersion: string; predictedRoute: 'nodes' | 'cloud' };
  createdAt: number;
}

interface Outcome {
  route: string;
  outcome: string | null;
  thumbs: number | null;
  rerouted: number | null;
}

/**
 * The label, "the cheapest route whose answer was accepted", from what the extension can observe:
 * a node's answer that ended well and drew neither a thumbs-down nor a reroute was accepted (0: the
 * node was enough); one that did is 1 (the cloud was needed). A cloud answer says nothing about
 * whether a node would have done, and an error or a stopped answer nothing about quality: no label.
 */
export function labelOf(o: Outcome): 0 | 1 | null {
  if (o.route === 'cloud' || o.outcome !== 'ok') return null;
  return o.thumbs === -1 || o.rerouted === 1 ? 1 : 0;
}

/** Non-zero features as [index, value] pairs; 9 significant digits round-trip a float32 exactly. */
function packFeatures(x: Float32Array): string {
  const pairs: [number, number][] = [];
  x.forEach((v, i) => {
    if (v !== 0) pairs.push([i, Number(v.toPrecision(9))]);
  });
  return JSON.stringify(pairs);
}

function unpackFeatures(text: string): Float32Array {
  const x = new Float32Array(FEATURE_COUNT);
  for (const [i, v] of JSON.parse(text) as [number, number][]) if (i < FEATURE_COUNT) x[i] = v;
  return x;
}

export class RouterData {
  private readonly labelListeners = new Set<() => void>();

  constructor(private readonly store: Store) {}

  /** Called whenever a row gains or changes a label (retraining counts them). */
  onLabel(listener: () => void): () => void {
    this.labelListeners.add(listener);
    return () => this.labelListeners.delete(listener);
  }

  record(r: RoutedRequest): void {
    const label = labelOf({ route: r.route, outcome: r.outcome, thumbs: null, rerouted: null });
    const saved = r.route !== 'cloud' && r.outcome === 'ok' ? (r.tokens ?? 0) : 0;
    this.store.write(
      `INSERT INTO ml_router_training_data (id, request_id, features, route, rerouted, thumbs, ttft_ms, total_ms, tokens, cloud_tokens_saved, label, created_at)
       VALUES (?, ?, ?, ?, 0, NULL, ?, ?, ?, ?, ?, ?)`,
      [newId(), r.requestId, packFeatures(r.features), r.route, r.ttftMs ?? null, r.totalMs ?? null, r.tokens ?? null, saved, label === null ? null : String(label), r.createdAt],
    );
    if (r.prediction) {
      const p = r.prediction;
      this.store.write(
        `INSERT INTO ml_router_predictions (id, request_id, model_version, predicted_route, confidence, probabilities, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [newId(), r.requestId, p.modelVersion, p.predictedRoute, p.pCloud, JSON.stringify({ cloud: p.pCloud, threshold: p.threshold }), r.createdAt],
      );
    }
    if (label !== null) this.notify();
  }

  /** Writes what is pending to disk now. */
  save(): Promise<void> {
    return this.store.flush();
  }

  /** Thumbs up (1) or down (-1) on an answer; the last one given counts. */
  thumbs(requestId: string, value: 1 | -1, now = Date.now()): void {
    this.store.write(`INSERT INTO feedback_data (id, request_id, kind, value, route, created_at)
      VALUES (?, ?, 'thumbs', ?, (SELECT route FROM ml_router_training_data WHERE request_id = ?), ?)`, [newId(), requestId, value, requestId, now]);
    this.store.write('UPDATE ml_router_training_data SET thumbs = ? WHERE request_id = ?', [value, requestId]);
    this.relabel(requestId);
  }

  /** The user asked the cloud again after this answer: it was not good enough. */
  rerouted(requestId: string, now = Date.now()): void {
    this.store.write(`INSERT INTO feedback_data (id, request_id, kind, value, route, created_at)
      VALUES (?, ?, 'reroute', 1, (SELECT route FROM ml_router_training_data WHERE request_id = ?), ?)`, [newId(), requestId, requestId, now]);
    this.store.write('UPDATE ml_router_training_data SET rerouted = 1 WHERE request_id = ?', [requestId]);
    this.relabel(requestId);
  }

  private relabel(requestId: string): void {
    const row = this.store.query<Outcome>(
      `SELECT t.route, r.outcome, t.thumbs, t.rerouted FROM ml_router_training_data t LEFT JOIN requests r ON r.id = t.request_id WHERE t.request_id = ?`,
      [requestId],
    )[0];
    if (!row) return;
    const label = labelOf(row);
    this.store.write('UPDATE ml_router_training_data SET label = ? WHERE request_id = ?', [label === null ? null : String(label), requestId]);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.labelListeners) listener();
  }

  /** Labelled rows, oldest first, at most `limit` of the newest. */
  labeledRows(limit = 5000): LabeledRow[] {
    return this.store
      .query<{ features: string; label: string }>(
        `SELECT features, label FROM (SELECT features, label, created_at FROM ml_router_training_data WHERE label IS NOT NULL ORDER BY created_at DESC LIMIT ?) ORDER BY created_at`,
        [limit],
      )
      .map((r) => ({ features: unpackFeatures(r.features), label: Number(r.label) }));
  }

  labeledCount(): number {
    return Number(this.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM ml_router_training_data WHERE label IS NOT NULL')[0]?.n ?? 0);
  }

  /** Recent p_cloud values, newest first: the user's own distribution, for calibrating the threshold. */
  recentPredictions(limit: number): number[] {
    return this.store
      .query<{ p: number }>('SELECT confidence AS p FROM ml_router_predictions WHERE confidence IS NOT NULL ORDER BY created_at DESC LIMIT ?', [limit])
      .map((r) => Number(r.p));
  }

  event(kind: 'model' | 'fallback' | 'retrain' | 'promotion', detail: Record<string, unknown>, now = Date.now()): void {
    this.store.write('INSERT INTO router_events (kind, detail, created_at) VALUES (?, ?, ?)', [kind, JSON.stringify(detail), now]);
  }

  events(limit = 20): { kind: string; detail: Record<string, unknown>; at: number }[] {
    return this.store
      .query<{ kind: string; detail: string; created_at: number }>('SELECT kind, detail, created_at FROM router_events ORDER BY id DESC LIMIT ?', [limit])
      .map((r) => ({ kind: r.kind, detail: JSON.parse(r.detail) as Record<string, unknown>, at: Number(r.created_at) }));
  }

  /** Per-request samples for the A/B comparison: arm, cloud tokens, accepted or not, latency. */
  abSamples(since: number): { arm: string; cloudTokens: number; accepted: number; latencyMs: number }[] {
    return this.store
      .query<{ arm: string; route: string; tokens: number | null; outcome: string; thumbs: number | null; rerouted: number | null; total_ms: number | null }>(
        `SELECT r.strategy AS arm, r.route, COALESCE(r.prompt_tokens, 0) + COALESCE(r.completion_tokens, 0) AS tokens, r.outcome,
                t.thumbs, t.rerouted, r.total_ms
           FROM requests r JOIN ml_router_training_data t ON t.request_id = r.id
          WHERE r.created_at >= ? AND r.strategy IN ('ml', 'heuristic') AND r.outcome = 'ok'`,
        [since],
      )
      .map((r) => ({
        arm: r.arm,
        cloudTokens: r.route === 'cloud' ? Number(r.tokens ?? 0) : 0,
        accepted: r.thumbs === -1 || r.rerouted === 1 ? 0 : 1,
        latencyMs: Number(r.total_ms ?? 0),
      }));
  }
}

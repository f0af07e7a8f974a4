// What the learned router keeps: one training row per routed request (features, route, outcome, label),
// its prediction, and the feedback that changes the label later (thumbs, reroutes).

import type { Store } from './db';
import type { Route } from '../types';
import { newId } from './ids';

/** A labelled row as stored; the router's training adds its own fields (router/model/build.ts LabeledRow). */
export interface TrainingRow {
  features: Float32Array;
  /** 1 = the cloud was needed. */
  label: number;
}

export interface RoutedRequest {
  requestId: string;
  features: Float32Array;
  route: Route;
  outcome: 'ok' | 'cancelled' | 'error';
  ttftMs?: number;
  totalMs?: number;
  tokens?: number;
  prediction?: StoredPrediction;
  /**
   * Whether the user could react to the answer (the chat panel). Silence counts as acceptance only there:
   * an answer to a batch command, the CLI or an API client gets its label from explicit feedback or none.
   */
  feedbackPossible: boolean;
  createdAt: number;
}

interface Outcome {
  route: string;
  outcome: string | null;
  thumbs: number | null;
  rerouted: number | null;
  /** The cloud answer the user asked for instead ("Ask the cloud"), once it exists. */
  reroute?: { outcome: string | null; thumbs: number | null };
}

/**
 * The label, "the cheapest route whose answer was accepted", from what the extension can observe:
 * - a node's answer that ended well and drew neither a thumbs-down nor a reroute was accepted: 0;
 * - rerouted to the cloud: 1 if the cloud's answer was accepted, 0 if it failed or drew a thumbs-down
 *   too (the cloud bought nothing); 1 while that answer is still coming;
 * - a thumbs-down without a reroute: 1 (the cloud's answer is unknown; assumed better);
 * - a cloud answer says nothing about whether a node would have done, and an error or a stopped answer
 *   nothing about quality: no label.
 * Measured: without the reroute's outcome, learning from "the node failed" alone made a replayed user's
 * router worse than not learning (docs/ML_ROUTER_IMPLEMENTATION.md), because many questions a node fails
 * the cloud fails too.
 */
export function labelOf(o: Outcome): 0 | 1 | null {
  if (o.route === 'cloud' || o.outcome !== 'ok') return null;
  if (o.rerouted === 1) {
    if (!o.reroute || o.reroute.outcome === null) return 1;
    return o.reroute.outcome === 'ok' && o.reroute.thumbs !== -1 ? 1 : 0;
  }
  return o.thumbs === -1 ? 1 : 0;
}

/** Non-zero features as [index, value] pairs; 9 significant digits round-trip a float32 exactly. */
export function packFeatures(x: Float32Array): string {
  const pairs: [number, number][] = [];
  x.forEach((v, i) => {
    if (v !== 0) pairs.push([i, Number(v.toPrecision(9))]);
  });
  return JSON.stringify(pairs);
}

function unpackFeatures(text: string, featureCount: number): Float32Array {
  const x = new Float32Array(featureCount);
  for (const [i, v] of JSON.parse(text) as [number, number][]) if (i < featureCount) x[i] = v;
  return x;
}

/** A training row's label as stored (TEXT '1' / '0'): 1 = the cloud was needed. */
export const storedLabel = (label: string): 0 | 1 => (label === '1' ? 1 : 0);

/** Question embeddings kept for the personal model, and how often the older ones are dropped. */
const MAX_EMBEDDINGS = 5000;
const PRUNE_EVERY = 100;

/** A routing decision as stored: what was predicted, the share it aimed at, and where it went. */
export interface StoredPrediction {
  pCloud: number;
  threshold: number;
  modelVersion: string;
  predictedRoute: 'nodes' | 'cloud';
  share: number;
  arm: string;
  route: 'nodes' | 'cloud';
  /** The prior's own p_cloud, so how well it ranks this user's questions can be measured. */
  prior?: number;
}

export class RouterData {
  private readonly labelListeners = new Set<() => void>();
  private embeddingsSincePrune = 0;

  constructor(private readonly store: Store) {}

  /** Called whenever a row gains or changes a label (retraining counts them). */
  onLabel(listener: () => void): () => void {
    this.labelListeners.add(listener);
    return () => this.labelListeners.delete(listener);
  }

  async record(r: RoutedRequest): Promise<void> {
    const label = r.feedbackPossible ? labelOf({ route: r.route, outcome: r.outcome, thumbs: null, rerouted: null }) : null;
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
        [newId(), r.requestId, p.modelVersion, p.predictedRoute, p.pCloud, JSON.stringify({ cloud: p.pCloud, threshold: p.threshold, share: p.share, arm: p.arm, route: p.route, ...(p.prior !== undefined ? { prior: p.prior } : {}) }), r.createdAt],
      );
    }
    if (label !== null) this.notify();
    await this.relabelReroutesTo(r.requestId);
  }

  /** Writes what is pending to disk now. */
  save(): Promise<void> {
    return this.store.flush();
  }

  /**
   * The user's verdict on an answer, 1 accepted or -1 rejected; the last one given counts. Feedback
   * (learning/feedback.ts) decides which signals, explicit or implicit, become a verdict.
   */
  async thumbs(requestId: string, value: 1 | -1): Promise<void> {
    this.store.write('UPDATE ml_router_training_data SET thumbs = ? WHERE request_id = ?', [value, requestId]);
    await this.relabel(requestId);
    await this.relabelReroutesTo(requestId);
  }

  /** This answer was asked again of the cloud (`to` is that new request): it was not good enough. */
  async rerouted(requestId: string, to: string): Promise<void> {
    this.store.write('UPDATE ml_router_training_data SET rerouted = 1, rerouted_to = ? WHERE request_id = ?', [to, requestId]);
    await this.relabel(requestId);
  }

  /** The node answer this request re-asked of the cloud, if it is a reroute. */
  async reroutedFrom(requestId: string): Promise<string | undefined> {
    return (await this.store.query<{ request_id: string }>('SELECT request_id FROM ml_router_training_data WHERE rerouted_to = ?', [requestId]))[0]?.request_id;
  }

  /** Node answers whose label waits on this (rerouted) request's outcome. */
  private async relabelReroutesTo(requestId: string): Promise<void> {
    for (const { request_id } of await this.store.query<{ request_id: string }>('SELECT request_id FROM ml_router_training_data WHERE rerouted_to = ?', [requestId])) {
      await this.relabel(request_id);
    }
  }

  private async relabel(requestId: string): Promise<void> {
    const row = (await this.store.query<Outcome & { reroute_outcome: string | null; reroute_thumbs: number | null; rerouted_to: string | null }>(
      `SELECT t.route, r.outcome, t.thumbs, t.rerouted, t.rerouted_to, rr.outcome AS reroute_outcome, rt.thumbs AS reroute_thumbs
         FROM ml_router_training_data t
         LEFT JOIN requests r ON r.id = t.request_id
         LEFT JOIN requests rr ON rr.id = t.rerouted_to
         LEFT JOIN ml_router_training_data rt ON rt.request_id = t.rerouted_to
        WHERE t.request_id = ?`,
      [requestId],
    ))[0];
    if (!row) return;
    const label = labelOf({ ...row, ...(row.rerouted_to ? { reroute: { outcome: row.reroute_outcome, thumbs: row.reroute_thumbs } } : {}) });
    this.store.write('UPDATE ml_router_training_data SET label = ? WHERE request_id = ?', [label === null ? null : String(label), requestId]);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.labelListeners) listener();
  }

  /**
   * Labelled rows, oldest first, at most `limit` of the newest. The store does not know the router's
   * feature schema: the caller gives the vector length (features past it are dropped, missing ones are 0).
   */
  async labeledRows(featureCount: number, limit = 5000): Promise<TrainingRow[]> {
    return (await this.store
      .query<{ features: string; label: string }>(
        `SELECT features, label FROM (SELECT features, label, created_at FROM ml_router_training_data WHERE label IS NOT NULL ORDER BY created_at DESC LIMIT ?) ORDER BY created_at`,
        [limit],
      ))
      .map((r) => ({ features: unpackFeatures(r.features, featureCount), label: Number(r.label) }));
  }

  async labeledCount(): Promise<number> {
    return Number((await this.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM ml_router_training_data WHERE label IS NOT NULL'))[0]?.n ?? 0);
  }

  /** Recent p_cloud values, newest first: the user's own distribution, for calibrating the threshold. */
  async recentPredictions(limit: number): Promise<number[]> {
    return (await this.store.query<{ p: number }>('SELECT confidence AS p FROM ml_router_predictions WHERE confidence IS NOT NULL ORDER BY created_at DESC LIMIT ?', [limit]))
      .map((r) => Number(r.p));
  }

  event(kind: 'model' | 'fallback' | 'retrain' | 'promotion', detail: Record<string, unknown>, now = Date.now()): void {
    this.store.write('INSERT INTO router_events (kind, detail, created_at) VALUES (?, ?, ?)', [kind, JSON.stringify(detail), now]);
  }

  /** The newest events, optionally of one kind. */
  async events(limit = 20, kind?: string): Promise<{ kind: string; detail: Record<string, unknown>; at: number }[]> {
    return (await this.store
      .query<{ kind: string; detail: string; created_at: number }>(
        `SELECT kind, detail, created_at FROM router_events ${kind ? 'WHERE kind = ?' : ''} ORDER BY id DESC LIMIT ?`,
        kind ? [kind, limit] : [limit],
      ))
      .map((r) => ({ kind: r.kind, detail: JSON.parse(r.detail) as Record<string, unknown>, at: Number(r.created_at) }));
  }

  /** Per-request samples for the A/B comparison: arm, cloud tokens, accepted or not, latency. */
  async abSamples(since: number): Promise<{ arm: string; cloudTokens: number; accepted: number; latencyMs: number; cloud: number }[]> {
    return (await this.store
      .query<{ arm: string; route: string; tokens: number | null; outcome: string; thumbs: number | null; rerouted: number | null; total_ms: number | null }>(
        `SELECT r.strategy AS arm, r.route, COALESCE(r.prompt_tokens, 0) + COALESCE(r.completion_tokens, 0) AS tokens, r.outcome,
                t.thumbs, t.rerouted, r.total_ms
           FROM requests r JOIN ml_router_training_data t ON t.request_id = r.id
          WHERE r.created_at >= ? AND r.strategy IN ('ml', 'heuristic') AND r.outcome = 'ok'`,
        [since],
      ))
      .map((r) => ({
        arm: r.arm,
        cloudTokens: r.route === 'cloud' ? Number(r.tokens ?? 0) : 0,
        accepted: r.thumbs === -1 || r.rerouted === 1 ? 0 : 1,
        latencyMs: Number(r.total_ms ?? 0),
        cloud: r.route === 'cloud' ? 1 : 0,
      }));
  }

  /**
   * The last `limit` decisions, oldest first (the router ranks among them and holds its share from them).
   * Decisions stored before the share was recorded carry none and are left out.
   */
  async recentDecisions(limit: number): Promise<Pick<StoredPrediction, 'pCloud' | 'share' | 'arm' | 'route'>[]> {
    return (await this.store.query<{ probabilities: string }>('SELECT probabilities FROM ml_router_predictions ORDER BY rowid DESC LIMIT ?', [limit]))
      .flatMap(({ probabilities }) => {
        const d = JSON.parse(probabilities) as { cloud?: number; share?: number; arm?: string; route?: string };
        const valid = typeof d.cloud === 'number' && Number.isFinite(d.cloud) && typeof d.share === 'number' && typeof d.arm === 'string' && (d.route === 'nodes' || d.route === 'cloud');
        return valid ? [{ pCloud: d.cloud!, share: d.share!, arm: d.arm!, route: d.route as 'nodes' | 'cloud' }] : [];
      })
      .reverse();
  }

  /** The question's embedding by `model`; only the latest MAX_EMBEDDINGS are kept. */
  recordEmbedding(requestId: string, model: string, vector: Float32Array, at: number): void {
    this.store.write('INSERT OR REPLACE INTO prompt_embeddings (request_id, model, vector, created_at) VALUES (?, ?, ?, ?)', [requestId, model, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), at]);
    if (++this.embeddingsSincePrune >= PRUNE_EVERY) {
      this.embeddingsSincePrune = 0;
      this.store.write('DELETE FROM prompt_embeddings WHERE rowid NOT IN (SELECT rowid FROM prompt_embeddings ORDER BY rowid DESC LIMIT ?)', [MAX_EMBEDDINGS]);
    }
  }

  /** Embeddings by `model` of requests with a label, newest first (1 = the cloud was needed). */
  async labelledEmbeddings(model: string, limit: number): Promise<{ vector: Float32Array; label: 0 | 1 }[]> {
    return (await this.store
      .query<{ vector: Uint8Array; label: string }>(
        `SELECT e.vector, t.label FROM prompt_embeddings e JOIN ml_router_training_data t ON t.request_id = e.request_id
          WHERE e.model = ? AND t.label IS NOT NULL ORDER BY e.rowid DESC LIMIT ?`,
        [model, limit],
      ))
      .flatMap((r) => (r.vector.byteLength % 4 === 0 ? [{ vector: new Float32Array(r.vector.slice().buffer), label: storedLabel(r.label) }] : []));
  }

  /** The prior's p_cloud and the label of the latest labelled requests that recorded one (1 = the cloud was needed). */
  async labelledPriors(limit: number): Promise<{ prior: number; label: 0 | 1 }[]> {
    return (await this.store
      .query<{ probabilities: string; label: string }>(
        `SELECT p.probabilities, t.label FROM ml_router_predictions p JOIN ml_router_training_data t ON t.request_id = p.request_id
          WHERE t.label IS NOT NULL ORDER BY p.rowid DESC LIMIT ?`,
        [limit],
      ))
      .flatMap((r) => {
        const prior = (JSON.parse(r.probabilities) as { prior?: unknown }).prior;
        return typeof prior === 'number' && Number.isFinite(prior) ? [{ prior, label: storedLabel(r.label) }] : [];
      });
  }
}

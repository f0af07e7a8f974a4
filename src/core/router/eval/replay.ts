// Replays benchmark rows in order as one user's requests through the extension's own router code:
// the same LearnedRouter decides (policy, calibration, exploration), the same tables record the request
// and its feedback, the same label rule and the same retraining (schedule and validate-before-replace)
// run. Only what the extension would observe is revealed: the outcome of the route taken; and when a
// node's answer is rejected, the user asks the cloud ("Ask the cloud", the manual cascade), so the
// cloud's outcome is revealed too, as it would be in the panel. A cloud answer never reveals the node's.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/db';
import { Requests } from '../../store/requests';
import { RouterData } from '../../store/routerData';
import { silentLogger } from '../../log';
import { seededRandom } from '../../random';
import { describeRetrain, LearnedRouter } from '../learned';
import { DEFAULT_ROUTER_SETTINGS } from '../settings';
import type { RetrainOptions } from '../model/retrain';
import { benchFeatures, type BenchRow } from './benchData';
import { routingReport } from './routingMetrics';
import { priorPCloud } from '../prior';
import type { EmbeddingProvider } from '../../providers/factory';

/** A score at or above this is an answer the user accepts (no thumbs-down): 0/1 scores map directly, graded ones at half. */
export const ACCEPTED_SCORE = 0.5;

export interface ReplayOptions {
  /** Retrain after this many new labelled rows; 0 = frozen (never retrain). */
  retrainEvery: number;
  seed: number;
  /** The model the user starts with (the shipped one). */
  model: string;
  explore?: number;
  cloudShare?: number;
  window?: number;
  retrain?: Partial<RetrainOptions>;
  /** Embeds the prompts for the personal model, as the extension does for each routed question. */
  encoder?: EmbeddingProvider;
  /**
   * The quality gate: true when it fails the node's answer to this row, which then goes to the cloud
   * automatically, before the user sees it (the extension's cascade). Without it only a rejected answer
   * is asked again of the cloud.
   */
  gateFails?: (row: BenchRow) => boolean;
}

export interface ReplayPrediction {
  id: string;
  p_cloud: number;
  route: 'local' | 'cloud';
}

export interface WindowReport {
  /** 1-based. */
  window: number;
  rows: number;
  /** APGR of the p_cloud written for this window's rows (scored with both outcomes, after the fact). */
  apgr: number;
  /** Share of rows whose p_cloud was at or above the threshold in force. */
  predictedCloudShare: number;
  /** Share actually sent to the cloud (exploration sends some predicted-cloud rows to the nodes). */
  routedCloudShare: number;
  /** Mean score of the answers the user ended with (the cloud's, after an escalation). */
  realisedQuality: number;
  /** Share of rows answered by a node, rejected, and asked again of the cloud. */
  escalatedShare: number;
  /** Share of rows the quality gate sent on to the cloud (included in escalatedShare). */
  gateEscalatedShare: number;
  /** Node answers kept and accepted / node answers. */
  localAcceptance: number;
  /** Retraining outcomes at the end of this window's rows. */
  retrains: string[];
}

export interface ReplayResult {
  predictions: ReplayPrediction[];
  windows: WindowReport[];
  /** What the replay revealed per request, for checking it never revealed more than the route produced. */
  revealed: { id: string; route: 'local' | 'cloud'; score: number; escalated?: number }[];
  /** The training label the extension's tables hold for each request at the end (null: no label). */
  labels: Map<string, number | null>;
}

/** The prompts' vectors in batches (as many as the encoder takes at once), in order. */
async function embedAll(encoder: EmbeddingProvider, prompts: readonly string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < prompts.length; i += 32) out.push(...(await encoder.embed(prompts.slice(i, i + 32).map((p) => p.slice(0, 2000)))).map((v) => Float32Array.from(v)));
  return out;
}

export async function replay(rows: readonly BenchRow[], options: ReplayOptions): Promise<ReplayResult> {
  const windowSize = options.window ?? 100;
  const dir = mkdtempSync(join(tmpdir(), 'singularity-replay-'));
  const { store } = await Store.open();
  const requests = new Requests(store);
  const data = new RouterData(store);
  // Retraining is run inline below, on the extension's schedule, so a seed gives the same run every time.
  const router = new LearnedRouter(
    { shipped: options.model, dir },
    () => ({
      ...DEFAULT_ROUTER_SETTINGS,
      mode: 'ml',
      retrainEvery: 0,
      explore: options.explore ?? DEFAULT_ROUTER_SETTINGS.explore,
      policy: { mode: 'cloudShare', cloudShare: options.cloudShare ?? (DEFAULT_ROUTER_SETTINGS.policy as { cloudShare: number }).cloudShare },
    }),
    silentLogger,
    data,
    { random: seededRandom(options.seed), retrain: options.retrain, now: () => 0 },
  );
  const result: ReplayResult = { predictions: [], windows: [], revealed: [], labels: new Map() };
  try {
    if (!(await router.activeModel())) throw new Error(`The model ${options.model} could not be loaded: ${(await router.status()).fallback}`);
    let window = fresh();
    const vectors = options.encoder ? await embedAll(options.encoder, rows.map((r) => r.prompt)) : [];
    for (const [i, row] of rows.entries()) {
      const features = benchFeatures(row);
      const vector = vectors[i];
      const embedding = vector && options.encoder ? { model: options.encoder.model, vector } : undefined;
      const decision = await router.score(features, row.id, priorPCloud({ question: row.prompt }), embedding);
      if (embedding) data.recordEmbedding(row.id, embedding.model, embedding.vector, i);
      const route = decision.route === 'cloud' ? 'cloud' : 'local';
      result.predictions.push({ id: row.id, p_cloud: decision.prediction.pCloud, route });

      const score = route === 'cloud' ? row.cloudScore : row.localScore;
      const tokens = Math.ceil(row.prompt.length / 4);
      const answered = async (id: string, r: 'local' | 'cloud', prediction?: typeof decision.prediction) => {
        requests.record({ id, source: 'cli', route: r, strategy: decision.arm, tokensEstimated: true, attempts: 1, outcome: 'ok', promptTokens: tokens, createdAt: i });
        await data.record({ requestId: id, features, route: r, outcome: 'ok', tokens, feedbackPossible: true, createdAt: i, ...(prediction ? { prediction } : {}) });
      };
      await answered(row.id, route, decision.prediction);
      const accepted = score >= ACCEPTED_SCORE;
      const gated = route === 'local' && options.gateFails?.(row) === true;
      let finalScore = score;
      if (route === 'local') window.local += 1;
      if (gated) window.gateEscalated += 1;
      if (route === 'local' && accepted && !gated) window.localAccepted += 1;
      if (route === 'local' && (!accepted || gated)) {
        const cloudId = `${row.id}:cloud`;
        await data.rerouted(row.id, cloudId);
        await answered(cloudId, 'cloud');
        await data.thumbs(cloudId, row.cloudScore >= ACCEPTED_SCORE ? 1 : -1);
        finalScore = row.cloudScore;
        window.escalated += 1;
        result.revealed.push({ id: row.id, route, score, escalated: row.cloudScore });
      } else {
        await data.thumbs(row.id, accepted ? 1 : -1);
        result.revealed.push({ id: row.id, route, score });
      }

      window.rows.push(row);
      window.p.push(decision.prediction.pCloud);
      window.predictedCloud += decision.prediction.predictedRoute === 'cloud' ? 1 : 0;
      window.cloud += route === 'cloud' ? 1 : 0;
      window.quality += finalScore;
      if (await router.dueForRetrain(options.retrainEvery)) window.retrains.push(describeRetrain(await router.retrain()));
      if (window.rows.length === windowSize || i === rows.length - 1) {
        result.windows.push(report(result.windows.length + 1, window));
        window = fresh();
      }
    }
    for (const r of (await store.query<{ request_id: string; label: string | null }>('SELECT request_id, label FROM ml_router_training_data'))) {
      result.labels.set(r.request_id, r.label === null ? null : Number(r.label));
    }
    return result;
  } finally {
    await router.dispose();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  function fresh(): WindowTally {
    return { rows: [], p: [], predictedCloud: 0, cloud: 0, escalated: 0, gateEscalated: 0, local: 0, localAccepted: 0, quality: 0, retrains: [] };
  }
}

interface WindowTally {
  rows: BenchRow[];
  p: number[];
  predictedCloud: number;
  cloud: number;
  escalated: number;
  gateEscalated: number;
  local: number;
  localAccepted: number;
  quality: number;
  retrains: string[];
}

function report(index: number, w: WindowTally): WindowReport {
  const n = w.rows.length;
  return {
    window: index,
    rows: n,
    apgr: routingReport(w.rows.map((r, i) => ({ pCloud: w.p[i]!, localScore: r.localScore, cloudScore: r.cloudScore }))).apgr,
    predictedCloudShare: w.predictedCloud / n,
    routedCloudShare: w.cloud / n,
    realisedQuality: w.quality / n,
    escalatedShare: w.escalated / n,
    gateEscalatedShare: w.gateEscalated / n,
    localAcceptance: w.local > 0 ? w.localAccepted / w.local : 0,
    retrains: w.retrains,
  };
}

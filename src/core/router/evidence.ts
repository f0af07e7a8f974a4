// What the router has learned from the user, and how far each part is trusted: the model retrained on their rows,
// the personal model on the meaning of their questions (personal.ts), and how well the prior ranks them. Each
// weighs by the evidence it has (labelled answers, counted by the caller as labels come) and by how well it ranked
// the user's held-out rows.

import type { ModelInfo } from '../../shared/router';
import type { RouterData } from '../store/routerData';
import { personalPCloud, trainPersonal, type PersonalModel } from './personal';
import { auc } from './eval/routingMetrics';

/** Rows the personal model trains on; labels between its trainings. */
const PERSONAL_ROWS = 1000;
const PERSONAL_RETRAIN_EVERY = 5;
/** Labelled questions before the prior's ranking of them is judged. */
const MIN_ROWS_FOR_TRUST = 30;

/** A question's meaning as a vector, and the encoder that made it. */
export interface Embedding {
  model: string;
  vector: Float32Array;
}

/** Labelled answers of the user's at which a learned part counts as much as the prior (when it ranks well). */
const EVIDENCE_HALF_WEIGHT = 100;

/** How far a learned part's ranking of the user's held-out rows is trusted: 0 at chance (AUC 0.5), 1 from AUC 0.7. */
const trust = (value: number) => Math.min(1, Math.max(0, (value - 0.5) / 0.2));

export class UserEvidence {
  private personalCache?: { encoder: string; labelled: number; model: PersonalModel | undefined };
  private priorCheck?: { labelled: number; trust: number };

  constructor(private readonly data?: RouterData) {}

  /** The personal model's p_cloud for this question and its weight, once the user has labelled questions of this encoder. */
  async personal(embedding: Embedding, labelled: number): Promise<{ p: number; weight: number } | undefined> {
    const model = await this.personalModel(embedding.model, labelled);
    const p = model && personalPCloud(model, embedding.model, embedding.vector);
    if (p === undefined || !model) return undefined;
    return { p, weight: (model.rows / (model.rows + EVIDENCE_HALF_WEIGHT)) * trust(model.heldOutAuc) };
  }

  /** How well the prior ranked this user's labelled questions (0 until that can be measured: the evidence is small then anyway), with the personal model's cadence. */
  async priorTrust(labelled: number): Promise<number> {
    if (this.priorCheck && Math.abs(labelled - this.priorCheck.labelled) < PERSONAL_RETRAIN_EVERY) return this.priorCheck.trust;
    const rows = (await this.data?.labelledPriors(PERSONAL_ROWS)) ?? [];
    const both = rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0);
    const value = rows.length >= MIN_ROWS_FOR_TRUST && both ? trust(auc(rows.map((r) => r.prior), rows.map((r) => r.label))) : 0;
    this.priorCheck = { labelled, trust: value };
    return value;
  }

  /** Reads what the first scored request would: the prior's trust and, for `encoder`, the personal model. */
  async prepare(labelled: number, encoder: string | undefined): Promise<void> {
    await this.priorTrust(labelled);
    if (encoder) await this.personalModel(encoder, labelled);
  }

  /** Trained again from the store when the labels changed by PERSONAL_RETRAIN_EVERY (or the encoder did). */
  private async personalModel(encoder: string, labelled: number): Promise<PersonalModel | undefined> {
    const cached = this.personalCache;
    if (cached && cached.encoder === encoder && Math.abs(labelled - cached.labelled) < PERSONAL_RETRAIN_EVERY) return cached.model;
    const model = trainPersonal(encoder, (await this.data?.labelledEmbeddings(encoder, PERSONAL_ROWS)) ?? []);
    this.personalCache = { encoder, labelled, model };
    return model;
  }

  /**
   * How much the model counts: nothing for the shipped model (other people's questions, which do not transfer),
   * all for a model the user set, and for a model retrained on the user's rows more as they grow and the better it
   * ranked their held-out rows.
   */
  modelWeight(source: string | undefined, info: ModelInfo, labelled: number): number {
    if (source === 'your model') return 1;
    if (source !== 'retrained model') return 0;
    return (labelled / (labelled + EVIDENCE_HALF_WEIGHT)) * trust(info.metrics?.auc ?? 0.5);
  }
}

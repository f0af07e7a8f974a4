// The learned router as the extension runs it: the active ONNX model (lazy-loaded, with fallbacks), the
// heuristic, the A/B split between them, the calibrated policy, and background retraining.
// The rule router still decides *which* routes can answer; this one orders them by p_cloud.

import { readFile, rename, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../types';
import type { Logger } from '../log';
import type { RouterData } from '../store/routerData';
import type { Arm, LearnedRouterStatus, ModelInfo, RouterMode, Threshold } from '../../shared/router';
import { ruleRouter } from './rule';
import type { Prediction, RouteContext, RouteDecision, Router } from './types';
import { FEATURE_COUNT } from './features';
import { heuristicPCloud } from './heuristic';
import { UserEvidence, type Embedding } from './evidence';
import { decideShare, equivalentThreshold, rankOf, SHARE_SLACK, targetShare, type RouterPolicy } from './policy';
import { assignArm, compareArms, promotion, DEFAULT_PROMOTION, type Objective, type PromotionRule } from './abtest';
import { loadRouterModel, type RouterModel } from './model/runtime';
import { fromOnnx, toOnnx } from './model/onnx';
import type { TreeEnsemble } from './model/gbdt';
import { retrainRouter, type RetrainOptions, type RetrainResult } from './model/retrain';

export interface LearnedRouterSettings {
  mode: RouterMode;
  policy: RouterPolicy;
  /** Share of cloud-bound requests sent to the nodes to learn from (policy.ts). */
  explore: number;
  /** Share of conversations on the ml arm while A/B testing. */
  mlShare: number;
  /** What the A/B test promotes on: fewer cloud tokens, or lower latency (never at the cost of acceptance). */
  abObjective: Objective;
  /** Retrain after this many new labelled rows; 0 = only on command. */
  retrainEvery: number;
  /** A user's own ONNX model; it takes precedence and turns automatic retraining off. */
  modelPath?: string;
  /** Learn from the meaning of the user's questions (sentence embeddings, personal.ts). */
  learnMeaning: boolean;
}

export interface ModelFiles {
  /** The model that ships with the extension. */
  shipped: string;
  /** Where retrained models are written: router.onnx (active) and router.previous.onnx. None: routing only, no retraining. */
  dir?: string;
}

const RECENT = 500;
/** Decisions the dashboard's realized share is taken over. */
const REALIZED_OVER = 100;

interface RoutingState {
  /** The user's own recent p_cloud per arm, oldest first: each arm ranks among its own scale. */
  recent: Record<Arm, number[]>;
  /** Where the recent decisions went, oldest first, both arms. */
  routes: ('nodes' | 'cloud')[];
  /** Target minus actual cloud count so far (policy.ts), shared by the arms so the user's share holds. */
  error: number;
}

export class LearnedRouter implements Router {
  readonly name = 'learned';
  private loading?: Promise<RouterModel | undefined>;
  private model?: RouterModel;
  private modelSource?: string;
  private fallback?: string;
  private base?: TreeEnsemble;
  private state?: RoutingState;
  private readonly evidence: UserEvidence;
  /** Labelled answers so far: counted once, then by label events, so scoring a request runs no COUNT. */
  private labelled = 0;
  private lastBlend?: { signal: string; share: number }[];
  private meaningProblem?: string;
  private promoted?: { arm: Arm; reason: string; at: number };
  private retraining?: Promise<RetrainResult>;
  private lastRetrain?: { at: number; result: string };
  private labeledAtLastRetrain = 0;
  private readonly unsubscribe?: () => void;
  /** The promotion and label counts read back from the store; decisions wait for them. */
  private readonly restored: Promise<void>;

  constructor(
    private readonly files: ModelFiles,
    private readonly settings: () => LearnedRouterSettings,
    private readonly log: Logger,
    private readonly data?: RouterData,
    private readonly options: { random?: () => number; retrain?: Partial<RetrainOptions>; promotion?: Partial<PromotionRule>; now?: () => number } = {},
  ) {
    this.evidence = new UserEvidence(data);
    this.restored = this.restore();
    this.unsubscribe = data?.onLabel(() => this.afterLabel());
  }

  private async restore(): Promise<void> {
    if (!this.data) return;
    const [last] = await this.data.events(1, 'promotion');
    if (last) this.promoted ??= { arm: last.detail.arm as Arm, reason: String(last.detail.reason), at: last.at };
    this.labeledAtLastRetrain = await this.data.labeledCount();
    this.labelled = this.labeledAtLastRetrain;
  }

  async decide(ctx: RouteContext): Promise<RouteDecision> {
    await this.restored;
    const base = ruleRouter.decide(ctx);
    const nodes = base.targets.filter((t) => t.kind === 'nodes');
    const cloud = base.targets.filter((t) => t.kind === 'cloud');
    // Hard rules first: an explicit route or model, or only one kind of route available, leaves nothing to predict.
    if (ctx.requested !== 'auto' || ctx.model || !ctx.features || nodes.length === 0 || cloud.length === 0) return base;

    if (ctx.embedding) this.meaningProblem = undefined;
    if (ctx.meaningProblem) this.meaningProblem = ctx.meaningProblem;
    const s = await this.score(ctx.features, ctx.key ?? '', ctx.prior, ctx.embedding);
    const targets: Target[] = s.route === 'cloud' ? [...cloud, ...nodes] : [...nodes, ...cloud];
    const verdict = s.prediction.explored ? 'explored nodes instead' : s.route === 'cloud' ? 'cloud' : base.reason;
    const { pCloud, threshold } = s.prediction;
    return { targets, reason: `${s.by}: p_cloud ${pCloud.toFixed(2)} ${pCloud >= threshold ? '≥' : '<'} ${threshold.toFixed(2)}; ${verdict}`, strategy: s.arm, prediction: s.prediction };
  }

  /**
   * The decision for one request: its arm, p_cloud, its rank among the user's own and the route that holds the
   * share. The heuristic arm routes by the prior (prior.ts; the feature heuristic where no question text is
   * known). The ml arm stacks the prior with what learned from the user: the model retrained on their rows and
   * the personal model on their questions' meaning, each weighted by the evidence it has and by how well it
   * ranked the user's held-out rows; the prior's weight fades as the evidence grows.
   */
  async score(features: Float32Array, key: string, prior?: number, embedding?: Embedding): Promise<{ arm: Arm; route: 'nodes' | 'cloud'; by: string; prediction: Prediction }> {
    const arm = this.armFor(key);
    let model = arm === 'ml' ? await this.activeModel() : undefined;
    const baseName = prior === undefined ? 'heuristic' : 'prior';
    const parts: { name: string; p: number; weight: number }[] = [];
    if (model) {
      try {
        const p = (await model.predict([features]))[0]!;
        if (!Number.isFinite(p)) throw new Error(`it gave p_cloud ${p}`);
        parts.push({ name: 'model', p, weight: this.evidence.modelWeight(this.modelSource, model.info, this.labelled) });
      } catch (err) {
        this.dropModel(model, (err as Error).message);
        model = undefined;
      }
    }
    const personal = arm === 'ml' && embedding ? await this.evidence.personal(embedding, this.labelled) : undefined;
    if (personal) parts.push({ name: 'your questions', ...personal });
    const learned = parts.filter((x) => x.weight > 0);
    const evidence = Math.max(0, ...learned.map((x) => x.weight));
    // The prior keeps its place where it ranks this user's questions well, and yields where it does not.
    const priorWeight = 1 - evidence + evidence * (await this.evidence.priorTrust(this.labelled));
    const blend = [{ name: baseName, p: prior ?? heuristicPCloud(features), weight: priorWeight }, ...learned].filter((x) => x.weight > 0);
    const total = blend.reduce((sum, x) => sum + x.weight, 0);
    const pCloud = blend.reduce((sum, x) => sum + x.p * x.weight, 0) / total;
    this.lastBlend = blend.map((x) => ({ signal: x.name, share: x.weight / total }));
    const shares = blend.length > 1 ? ` (${blend.map((x) => `${x.name} ${Math.round((100 * x.weight) / total)}%`).join(', ')})` : '';
    const by = arm === 'ml' && !model && !personal ? `${baseName} (${this.fallback ?? 'no model'})` : `${blend.map((x) => x.name).join('+')}${shares}`;
    const state = await this.loadState();
    const share = targetShare(this.settings().policy, model?.info.calibration);
    const rank = rankOf(pCloud, state.recent[arm]);
    const threshold = equivalentThreshold(share, state.recent[arm]);
    const explore = (this.options.random ?? Math.random)() < this.settings().explore;
    const decision = decideShare(rank, share, state.error, explore);
    state.error = decision.error;
    this.remember(arm, pCloud, decision.route);
    const prediction: Prediction = {
      pCloud,
      threshold,
      modelVersion: arm === 'ml' && model ? `${this.modelSource}@${model.info.createdAt}` : 'heuristic',
      predictedRoute: rank >= 1 - share ? 'cloud' : 'nodes',
      route: decision.route,
      share,
      arm,
      ...(prior !== undefined ? { prior } : {}),
      explored: decision.explored,
    };
    this.log.debug(
      `Router: ${by} p_cloud ${pCloud.toFixed(3)}, rank ${rank.toFixed(2)} among ${state.recent[arm].length - 1} of yours, target ${Math.round(share * 100)}% cloud -> ${decision.route}${decision.held ? ' (held to the share)' : ''}${decision.explored ? ' (explored)' : ''}`,
    );
    return { arm, route: decision.route, by, prediction };
  }

  private armFor(key: string): Arm {
    const s = this.settings();
    if (s.mode !== 'ab') return s.mode;
    if (this.promoted) return this.promoted.arm;
    return assignArm(key, s.mlShare);
  }

  /** The user's recent predictions and decisions, read once from the store so a new process (the CLI) goes on where the last left off. */
  private async loadState(): Promise<RoutingState> {
    if (this.state) return this.state;
    const state: RoutingState = { recent: { ml: [], heuristic: [] }, routes: [], error: 0 };
    for (const d of (await this.data?.recentDecisions(RECENT)) ?? []) {
      state.recent[d.arm === 'ml' ? 'ml' : 'heuristic'].push(d.pCloud);
      state.routes.push(d.route);
      state.error = Math.min(SHARE_SLACK, Math.max(-SHARE_SLACK, state.error + d.share - (d.route === 'cloud' ? 1 : 0)));
    }
    this.state = state;
    return state;
  }

  private async threshold(arm: Arm, info: ModelInfo | undefined): Promise<Threshold> {
    const state = await this.loadState();
    const share = targetShare(this.settings().policy, info?.calibration);
    const last = state.routes.slice(-REALIZED_OVER);
    return {
      value: equivalentThreshold(share, state.recent[arm]),
      share,
      recent: state.recent[arm].length,
      ...(last.length ? { realized: last.filter((r) => r === 'cloud').length / last.length } : {}),
      realizedOver: last.length,
    };
  }

  private async remember(arm: Arm, p: number, route: 'nodes' | 'cloud'): Promise<void> {
    const state = await this.loadState();
    state.recent[arm].push(p);
    if (state.recent[arm].length > RECENT) state.recent[arm].shift();
    state.routes.push(route);
    if (state.routes.length > RECENT) state.routes.shift();
  }

  /** The model to route with, loaded on first use: the user's model, else the retrained one, else the shipped one. */
  activeModel(): Promise<RouterModel | undefined> {
    this.loading ??= this.load();
    return this.loading;
  }

  /**
   * What the first scored request would wait for: the model loaded and run once, the recent decisions, the
   * prior's trust and the personal model of `encoder` (the meaning's model, when routing uses one).
   */
  async warmUp(encoder?: string): Promise<void> {
    await this.restored;
    await this.loadState();
    await this.evidence.prepare(this.labelled, encoder);
    const model = await this.activeModel();
    await model?.predict([new Float32Array(FEATURE_COUNT)]);
  }

  private async load(): Promise<RouterModel | undefined> {
    const s = this.settings();
    const candidates = [
      ...(s.modelPath ? [{ path: s.modelPath, label: 'your model' }] : []),
      ...(this.files.dir ? [{ path: join(this.files.dir, 'router.onnx'), label: 'retrained model', optional: true }] : []),
      { path: this.files.shipped, label: 'shipped model' },
    ];
    const problems: string[] = [];
    for (const c of candidates) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(c.path);
      } catch (err) {
        if ('optional' in c && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problems.push(`${c.label} (${c.path}) cannot be read: ${(err as Error).message}`);
        continue;
      }
      try {
        const model = await loadRouterModel(bytes, `${c.label} (${c.path})`);
        if (c.path === this.files.shipped) this.base = fromOnnx(bytes);
        else this.base ??= await this.shippedEnsemble();
        this.model = model;
        this.modelSource = c.label;
        this.fallback = problems.length > 0 ? problems.join('; ') : undefined;
        if (this.fallback) this.data?.event('fallback', { to: c.label, reason: this.fallback });
        this.log.info(`Router: using the ${c.label}, trained on ${model.info.trainedOn}.`);
        if (this.fallback) this.log.warn(`Router: ${this.fallback}`);
        return model;
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    this.fallback = `no model could be loaded, routing by the prior: ${problems.join('; ')}`;
    this.log.warn(`Router: ${this.fallback}`);
    this.data?.event('fallback', { to: 'heuristic', reason: this.fallback });
    return undefined;
  }

  /** A model that loaded but fails when run: routing goes on by the prior, and says why, until a retrain or restart. */
  private dropModel(model: RouterModel, reason: string): void {
    if (this.model !== model) return;
    this.fallback = `the ${this.modelSource} failed when run, routing by the prior: ${reason}`;
    this.log.warn(`Router: ${this.fallback}`);
    this.data?.event('fallback', { to: 'heuristic', reason: this.fallback });
    this.model = undefined;
    this.loading = Promise.resolve(undefined);
    void model.release().catch(() => undefined);
  }

  private async shippedEnsemble(): Promise<TreeEnsemble | undefined> {
    try {
      return fromOnnx(await readFile(this.files.shipped));
    } catch {
      return undefined;
    }
  }

  private afterLabel(): void {
    if (!this.data) return;
    this.labelled += 1;
    this.checkPromotion()
      .then(() => this.dueForRetrain(this.settings().retrainEvery))
      .then(async (due) => {
        if (due) await this.retrain();
      })
      .catch((err: Error) => this.log.error(`Router retraining failed: ${err.message}`));
  }

  /** The schedule: `every` new labelled rows since the last retraining (never with a user's own model, or during one). */
  async dueForRetrain(every: number): Promise<boolean> {
    if (!this.data || every <= 0 || this.settings().modelPath || this.retraining) return false;
    await this.restored;
    return (await this.data.labeledCount()) - this.labeledAtLastRetrain >= every;
  }

  private async checkPromotion(): Promise<void> {
    if (!this.data || this.promoted || this.settings().mode !== 'ab') return;
    const rule = { ...DEFAULT_PROMOTION, ...this.options.promotion, objective: this.settings().abObjective, targetShare: targetShare(this.settings().policy, this.model?.info.calibration) };
    const decision = promotion(compareArms(await this.data.abSamples(0)), rule);
    if (!decision) return;
    this.promoted = { ...decision, at: (this.options.now ?? Date.now)() };
    this.data.event('promotion', decision);
    this.log.info(`Router A/B: promoted ${decision.arm}: ${decision.reason}`);
  }

  /** Retrains from the stored rows now; at most one at a time. Replaces the active model only when it validates better. */
  retrain(): Promise<RetrainResult> {
    this.retraining ??= this.runRetrain().finally(() => (this.retraining = undefined));
    return this.retraining;
  }

  private async runRetrain(): Promise<RetrainResult> {
    if (!this.data) throw new Error('Retraining needs the database, which is not open.');
    if (!this.files.dir) throw new Error('Retraining needs a folder to keep models in, and none was given.');
    const rows = await this.data.labeledRows(FEATURE_COUNT);
    this.labeledAtLastRetrain = await this.data.labeledCount();
    const model = await this.activeModel();
    const active = async (features: readonly Float32Array[]) => (model ? model.predict(features) : features.map(heuristicPCloud));
    const result = await retrainRouter(rows, this.base, active, this.options.retrain);
    const summary = describeRetrain(result);
    this.lastRetrain = { at: (this.options.now ?? Date.now)(), result: summary };
    this.data.event('retrain', { kind: result.kind, rows: result.rows, ...('candidateAuc' in result ? { candidateAuc: result.candidateAuc, activeAuc: result.activeAuc } : {}) });
    this.log.info(`Router retraining: ${summary}`);
    if (result.kind === 'replaced') await this.install(toOnnx(result.model.ensemble, result.model.info), this.files.dir);
    return result;
  }

  /** Writes the new model atomically, keeps the previous one, and switches to it. */
  private async install(bytes: Uint8Array, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const active = join(dir, 'router.onnx');
    const tmp = `${active}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await copyFile(active, join(dir, 'router.previous.onnx')).catch(() => undefined);
    await rename(tmp, active);
    const old = this.model;
    this.loading = undefined;
    this.model = undefined;
    // The threshold was calibrated on the old model's p_cloud; the new model's follow their own scale, so its
    // calibration (on the user's rows) serves until enough of its own predictions are seen.
    if (this.state) this.state.recent.ml.length = 0;
    await this.activeModel();
    await old?.release();
  }

  async status(): Promise<LearnedRouterStatus> {
    const model = this.model && this.modelSource ? { source: this.modelSource, info: this.model.info } : undefined;
    return {
      mode: this.settings().mode,
      model,
      fallback: this.fallback,
      thresholds: { ml: await this.threshold('ml', this.model?.info), heuristic: await this.threshold('heuristic', undefined) },
      promoted: this.promoted,
      comparison: compareArms((await this.data?.abSamples(0)) ?? []),
      labeledRows: (await this.data?.labeledCount()) ?? 0,
      retraining: this.retraining !== undefined,
      lastRetrain: this.lastRetrain,
      ...(this.lastBlend ? { lastBlend: this.lastBlend } : {}),
      ...(this.meaningProblem ? { meaningProblem: this.meaningProblem } : {}),
    };
  }

  async dispose(): Promise<void> {
    this.unsubscribe?.();
    await this.retraining?.catch(() => undefined);
    await this.model?.release();
  }
}

export function describeRetrain(r: RetrainResult): string {
  switch (r.kind) {
    case 'tooFewRows':
      return `not retrained: ${r.rows} ${r.rows === 1 ? 'answer' : 'answers'} with a label so far, ${r.needed} needed`;
    case 'notBetter':
      return `kept the active model: the candidate from ${r.rows} rows ranked held-out rows no better (AUC ${r.candidateAuc.toFixed(3)} vs ${r.activeAuc.toFixed(3)})`;
    case 'replaced':
      return `new model from ${r.rows} rows is active (${r.model.info.trainedOn}; held-out AUC ${r.candidateAuc.toFixed(3)} vs ${r.activeAuc.toFixed(3)}); the previous one is kept`;
  }
}

// The learned router's state as the dashboard shows it (src/core/router/learned.ts status()). The router
// modules import these shapes from here, so the dashboard webview needs nothing from core.

export type RouterMode = 'ab' | 'ml' | 'heuristic';

/** What a router model says about itself, kept in the ONNX file's metadata under METADATA_KEY (router/model/onnx.ts). */
export interface ModelInfo {
  schemaVersion: number;
  featureCount: number;
  createdAt: string;
  /** Where its rows came from, e.g. "shared/bench/router" or "shipped + 412 of your rows". */
  trainedOn: string;
  rows: number;
  /** Held-out figures measured when it was built. */
  metrics?: Record<string, number>;
  /** p_cloud at each cloud share of the validation rows (shares ascending): the calibration for a target share. */
  calibration?: { shares: number[]; thresholds: number[]; pgr?: number[] };
}

export interface ActiveModel {
  source: string;
  info: ModelInfo;
}

export interface Threshold {
  /** The p_cloud above which a request now ranks within the cloud share (what the rank rule behaves like). */
  value: number;
  /** The cloud share it aims at. */
  share: number;
  /** How many of the user's own predictions it ranks among (a prior stands in while they are few). */
  recent: number;
  /** Share of the last `realizedOver` decisions that went to the cloud. */
  realized?: number;
  realizedOver: number;
}

export type Arm = 'ml' | 'heuristic';

export interface Estimate {
  mean: number;
  /** Half-width of the 95% confidence interval. */
  ci: number;
}

export interface ArmStats {
  arm: Arm;
  n: number;
  cloudTokens: Estimate;
  accepted: Estimate;
  latencyMs: Estimate;
  /** Share of its answers that went to the cloud. */
  cloudShare?: number;
}

export interface Comparison {
  arms: ArmStats[];
  /** ml minus heuristic, each with its 95% interval (Welch, normal approximation). */
  difference: { cloudTokens: Estimate; accepted: Estimate; latencyMs: Estimate };
}

export interface LearnedRouterStatus {
  mode: RouterMode;
  model?: ActiveModel;
  /** Why routing uses the heuristic or a fallback model, when it does. */
  fallback?: string;
  thresholds: Partial<Record<Arm, Threshold>>;
  promoted?: { arm: Arm; reason: string; at: number };
  comparison: Comparison;
  labeledRows: number;
  retraining: boolean;
  lastRetrain?: { at: number; result: string };
  /** What decided the last scored request: each signal's share of its p_cloud (prior, retrained model, the user's questions). */
  lastBlend?: { signal: string; share: number }[];
  /** Why routing goes without the meaning of questions right now (the encoder failed), if it does. */
  meaningProblem?: string;
}

// What the dashboard shows, as plain data computed from the store (src/core/metrics) and sent to the
// dashboard webview (src/shared/protocol.ts). It lives here, not in core, because the webview imports
// nothing but src/shared. Timestamps are epoch milliseconds.

import type { Route, Tier } from '../core/types';

export type Period = 'today' | '7d' | '30d' | 'all';
export const PERIODS: readonly Period[] = ['today', '7d', '30d', 'all'];

export interface Headline {
  requests: number;
  /** Prompt + completion tokens of requests answered by a local or LAN node: tokens the cloud did not bill. */
  cloudTokensSaved: number;
  /** cloudTokensSaved priced at CloudPrices (input and output priced separately). */
  costSaved: number;
  /** Share of answered requests served by a local or LAN node (0..1); undefined with no answered request. */
  localShare?: number;
  medianTtftMs?: number;
  /**
   * Perceived speed of streaming: time to first token as a share of the total answer time, median over
   * the period's latest answers (at most STREAMING_SAMPLE). 0.1 = text appears after a tenth of the wait
   * a non-streaming answer would have.
   */
  ttftShareOfTotal?: number;
  /** Answered requests / all requests (errors and stopped answers count against it; thumbs-down will too). */
  acceptanceRate?: number;
}

/** Time buckets (start of each bucket) shared by every series of one chart. */
export interface Series<K extends string> {
  buckets: number[];
  values: Record<K, (number | null)[]>;
}

export interface NodeSeries {
  buckets: number[];
  nodes: { name: string; ttftMs: (number | null)[]; tokensPerSecond: (number | null)[]; requests: number[] }[];
}

/** A section whose feature has not landed (or has no data yet): the webview shows the hint instead of a chart. */
export interface EmptySection {
  available: false;
  hint: string;
}

export interface DashboardData {
  period: Period;
  /** When the data was computed; the window is [from, generatedAt]. */
  generatedAt: number;
  from: number;
  bucketMs: number;
  headline: Headline;
  /** Requests per route per bucket. */
  routes: Series<Route>;
  /** Cloud tokens saved per bucket. */
  tokensSaved: Series<'saved'>;
  /** Outcomes per bucket (ok, error, cancelled): quality until the quality gate and thumbs land. */
  outcomes: Series<'ok' | 'error' | 'cancelled'>;
  nodes: NodeSeries;
  /** Requests per routing strategy in the period (rule, later ml / heuristic arms). */
  strategies: { name: string; requests: number }[];
  /** Sections of features still to come. */
  learnedRouter: EmptySection;
  /** Context compression before cloud calls: empty (with a hint) while no answer in the period was compressed. */
  compression: EmptySection | CompressionSummary;
  vision: EmptySection;
  /** Quality gate, feedback and the example library over the period (metrics/learning.ts). */
  learning: LearningData;
}

export interface LearningData {
  series: Series<'localAcceptance' | 'rerouteRate' | 'thumbsUpShare' | 'gateScore'>;
  totals: {
    labelledLocal: number;
    acceptedLocal: number;
    rerouted: number;
    /** Node answers the quality gate sent on to the cloud. */
    escalated: number;
    gateScored: number;
    thumbsUp: number;
    thumbsDown: number;
  };
  library: { active: number; promoted: number; retired: number; added: number; used: number; retiredInPeriod: number };
}

/** Cloud answers in the period whose context was compressed (metrics/compression.ts). */
export interface CompressionSummary {
  available: true;
  requests: number;
  /** Context tokens of those requests before and after compression. */
  tokensBefore: number;
  tokensAfter: number;
}

/** Live load of one node, as the node pool reports it (nodes/pool.ts load()), shown next to the history. */
export interface LiveNode {
  name: string;
  tier: Tier;
  healthy: boolean;
  /** Why the node is down, from its last probe. */
  error?: string;
  models: string[];
  breaker: string;
  active: number;
  queued: number;
  maxParallel: number;
  ttftMs?: number;
  tokensPerSecond?: number;
  loaded: string[];
}

export type ExportFormat = 'csv' | 'json';

// The quality gate's verdict on each local answer it scored, and where it escalated to.

import type { Store } from './db';
import { storedLabel } from './routerData';

/**
 * The part of the gate's verdict (quality/gate.ts GateVerdict) that is stored. Defined here so the store
 * depends on no policy module; the gate's verdict fits it as it is.
 */
export interface QualityVerdict {
  score: number;
  pCloud: number;
  pass: boolean;
  reasons: readonly string[];
  /** Signal strengths by name; only those above 0 are stored. */
  signals: Readonly<Record<string, number>>;
  judgeGrade?: number;
  confidence?: { meanLogprob: number };
}

export class QualityResults {
  constructor(private readonly store: Store) {}

  record(requestId: string, verdict: QualityVerdict, escalatedTo: string | undefined, at: number): void {
    const signals = { ...Object.fromEntries(Object.entries(verdict.signals).filter(([, v]) => v > 0)), ...(verdict.judgeGrade !== undefined ? { judgeGrade: verdict.judgeGrade } : {}), ...(verdict.confidence ? { meanTokenLogprob: verdict.confidence.meanLogprob } : {}) };
    this.store.write(
      `INSERT OR REPLACE INTO quality_gate_results (request_id, score, p_cloud, passed, reasons, signals, escalated_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [requestId, verdict.score, verdict.pCloud, verdict.pass ? 1 : 0, JSON.stringify(verdict.reasons), JSON.stringify(signals), escalatedTo ?? null, at],
    );
  }

  /** Gate scores of node answers whose outcome the user revealed, newest first (label 1 = the cloud was needed). */
  async outcomes(limit: number): Promise<{ score: number; label: 0 | 1 }[]> {
    return (await this.store
      .query<{ score: number; label: string }>(
        `SELECT q.score, t.label FROM quality_gate_results q JOIN ml_router_training_data t ON t.request_id = q.request_id
          WHERE t.label IS NOT NULL ORDER BY q.created_at DESC LIMIT ?`,
        [limit],
      ))
      .map((r) => ({ score: Number(r.score), label: storedLabel(r.label) }));
  }
}

// Rows in the router benchmark format of shared/bench/router (one JSON object a line), and the label
// rule that turns an outcome into "the cloud was needed".

import { readFileSync } from 'node:fs';
import { extractFeatures } from '../features';
import type { LabeledRow } from '../model/build';

export interface BenchRow {
  id: string;
  category: string;
  prompt: string;
  localScore: number;
  cloudScore: number;
}

/**
 * The training label, "the cheapest route whose answer was accepted" (docs/ML_ROUTER_IMPLEMENTATION.md),
 * where both outcomes are known: 1 (cloud) when the cloud's answer scored higher, so the local one would not
 * have been the accepted answer; 0 (local) when the local answer was as good, including when both failed,
 * because then the cloud bought nothing. Measured against "local score below 0.5": equal on 0/1 scores,
 * better on graded ones (cross-file APGR 0.522 vs 0.500).
 */
export function cloudNeeded(localScore: number, cloudScore: number): 0 | 1 {
  return cloudScore > localScore ? 1 : 0;
}

export function parseBenchRows(text: string, source: string): BenchRow[] {
  const rows: BenchRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let raw: { id?: unknown; category?: unknown; prompt?: unknown; local?: { score?: unknown }; cloud?: { score?: unknown } };
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${i + 1}: not JSON.`);
    }
    const local = raw.local?.score;
    const cloud = raw.cloud?.score;
    if (typeof raw.id !== 'string' || typeof raw.prompt !== 'string' || typeof local !== 'number' || typeof cloud !== 'number') {
      throw new Error(`${source}:${i + 1}: expected {"id", "prompt", "local": {"score"}, "cloud": {"score"}}.`);
    }
    rows.push({ id: raw.id, category: typeof raw.category === 'string' ? raw.category : '', prompt: raw.prompt, localScore: local, cloudScore: cloud });
  });
  return rows;
}

export function readBenchRows(path: string): BenchRow[] {
  return parseBenchRows(readFileSync(path, 'utf8'), path);
}

/** Features of a benchmark prompt as the extension would see it arrive in the chat panel. */
export function benchFeatures(row: BenchRow): Float32Array {
  return extractFeatures({ question: row.prompt, contextChars: 0, historyTurns: 0, category: 'chat', hasImages: false });
}

/** A benchmark row as training data: its features, its label, and both outcomes for the routing measures. */
export function labeledBenchRow(row: BenchRow, weight = 1): LabeledRow {
  return { features: benchFeatures(row), label: cloudNeeded(row.localScore, row.cloudScore), weight, localScore: row.localScore, cloudScore: row.cloudScore };
}

// Judged answers in the format of shared/bench/gate (one JSON object a line): a prompt, a local model's
// answer and, when judged, both answers' scores. The gate trains and is measured on these.

import { readFileSync } from 'node:fs';
import { cloudNeeded } from '../router/eval/benchData';

export interface AnswerRow {
  id: string;
  /** Rows of one prompt share it; cross-validation keeps them on one side of a split. */
  promptId: string;
  prompt: string;
  localAnswer: string;
  localModel?: string;
  localScore?: number;
  cloudScore?: number;
}

export type JudgedAnswerRow = AnswerRow & { localScore: number; cloudScore: number };

export function parseAnswerRows(text: string, source: string): AnswerRow[] {
  const rows: AnswerRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${source}:${i + 1}: not JSON.`);
    }
    if (typeof raw.prompt !== 'string' || typeof raw.local_answer !== 'string') {
      throw new Error(`${source}:${i + 1}: expected {"prompt": "...", "local_answer": "..."} (optional "id", "prompt_id", "local": {"score"}, "cloud": {"score"}).`);
    }
    const score = (v: unknown) => (typeof (v as { score?: unknown })?.score === 'number' ? (v as { score: number }).score : undefined);
    const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : String(i + 1);
    rows.push({
      id,
      promptId: typeof raw.prompt_id === 'string' ? raw.prompt_id : raw.prompt,
      prompt: raw.prompt,
      localAnswer: raw.local_answer,
      localModel: typeof (raw.local as { model?: unknown })?.model === 'string' ? (raw.local as { model: string }).model : undefined,
      localScore: score(raw.local),
      cloudScore: score(raw.cloud),
    });
  });
  return rows;
}

export function readAnswerRows(path: string): AnswerRow[] {
  return parseAnswerRows(readFileSync(path, 'utf8'), path);
}

export function isJudged(row: AnswerRow): row is JudgedAnswerRow {
  return row.localScore !== undefined && row.cloudScore !== undefined;
}

/** A judged row as gate training data: 1 when the cloud's answer scored higher. */
export function gateTrainingRow(row: JudgedAnswerRow) {
  return { input: { question: row.prompt, answer: row.localAnswer }, label: cloudNeeded(row.localScore, row.cloudScore) };
}

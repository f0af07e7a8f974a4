// The quality gate's input row: the answer's signals plus its shape. Prompt difficulty is the router's job
// and is left out here on purpose: the gate is asked "is this answer good enough", and the shared data's
// README warns that a model that learns the prompt rather than the answer does not transfer.

import { answerSignals, codeBlocks, SIGNAL_NAMES, type AnswerInput, type Signals } from './signals';

export const GATE_FEATURES = [
  ...SIGNAL_NAMES,
  'answerTokensLog',
  'answerToQuestionLog',
  'codeShare',
  'codeBlocks',
  'listShare',
  'headings',
] as const;

export const GATE_SCHEMA_VERSION = 1;

export interface GateRow {
  signals: Signals;
  features: Float32Array;
}

export function gateRow(input: AnswerInput): GateRow {
  const signals = answerSignals(input);
  const answer = input.answer;
  const blocks = codeBlocks(answer);
  const lines = answer.split('\n').filter((l) => l.trim());
  const codeChars = blocks.reduce((n, b) => n + b.code.length, 0);
  const features = Float32Array.from([
    ...SIGNAL_NAMES.map((name) => signals[name]),
    Math.log1p(answer.length / 4),
    Math.log((answer.length + 40) / (input.question.length + 40)),
    answer.length > 0 ? codeChars / answer.length : 0,
    blocks.length,
    lines.length > 0 ? lines.filter((l) => /^\s*([-*+]|\d+[.)])\s/.test(l)).length / lines.length : 0,
    lines.filter((l) => /^#{1,6}\s/.test(l)).length,
  ]);
  return { signals, features };
}

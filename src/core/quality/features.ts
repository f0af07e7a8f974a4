// The quality gate's input row: the answer's signals plus its shape. Prompt difficulty is the router's job
// and is left out here on purpose: the gate is asked "is this answer good enough", and the shared data's
// README warns that a model that learns the prompt rather than the answer does not transfer. Answer length
// is left out too: on general-instruction sets it points the other way than on the arena answers, and
// without it the gate ranked as well here (leave-one-model-out APGR 0.532 with and without; docs).

import { answerSignals, codeBlocks, SIGNAL_NAMES, type AnswerInput, type Signals } from './signals';

export const GATE_FEATURES = [
  ...SIGNAL_NAMES,
  'codeShare',
  'codeBlocks',
  'listShare',
  'headings',
] as const;

export const GATE_SCHEMA_VERSION = 2;

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
    answer.length > 0 ? codeChars / answer.length : 0,
    blocks.length,
    lines.length > 0 ? lines.filter((l) => /^\s*([-*+]|\d+[.)])\s/.test(l)).length / lines.length : 0,
    lines.filter((l) => /^#{1,6}\s/.test(l)).length,
  ]);
  return { signals, features };
}

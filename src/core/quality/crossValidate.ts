// Cross-validation grouped by prompt: the shared gate data has four answers per prompt, and a split that
// puts one prompt's answers on both sides would measure how well the gate knows the prompt, not the answer.

import { shuffled } from '../random';
import { predictProbability } from '../router/model/gbdt';
import { gateRow } from './features';
import { trainGateModel } from './gate';
import { gateTrainingRow, type JudgedAnswerRow } from './answerData';

export interface CrossValidation {
  folds: number;
  seeds: number;
}

/** Each row's p_cloud from gates that never saw its prompt, averaged over `seeds` different fold splits. */
export async function crossValidatedGate(rows: readonly JudgedAnswerRow[], cv: CrossValidation = { folds: 5, seeds: 3 }): Promise<number[]> {
  const prompts = [...new Set(rows.map((r) => r.promptId))];
  const sums = new Array<number>(rows.length).fill(0);
  for (let seed = 1; seed <= cv.seeds; seed++) {
    const order = shuffled(prompts, seed);
    for (let fold = 0; fold < cv.folds; fold++) {
      const held = new Set(order.filter((_, i) => i % cv.folds === fold));
      const train = rows.filter((r) => !held.has(r.promptId)).map(gateTrainingRow);
      const model = await trainGateModel(train, ['cross-validation'], { seed });
      rows.forEach((r, i) => {
        if (held.has(r.promptId)) sums[i]! += predictProbability(model.ensemble, gateRow({ question: r.prompt, answer: r.localAnswer }).features);
      });
    }
  }
  return sums.map((s) => s / cv.seeds);
}

/**
 * Each row's p_cloud from a gate that saw neither its model's answers nor its prompt: the answers of one
 * local model are scored by gates trained on the other models' answers to the other half of the prompts.
 * The nearest this data comes to "another local model on other questions".
 */
export async function leaveOneModelOut(rows: readonly JudgedAnswerRow[], seed = 1): Promise<Map<string, number[]>> {
  const prompts = shuffled([...new Set(rows.map((r) => r.promptId))], seed);
  const half = new Set(prompts.slice(0, Math.floor(prompts.length / 2)));
  const out = new Map<string, number[]>();
  for (const model of new Set(rows.map((r) => r.localModel ?? ''))) {
    const p = new Array<number>(rows.length).fill(Number.NaN);
    for (const side of [true, false]) {
      const train = rows.filter((r) => r.localModel !== model && half.has(r.promptId) === side).map(gateTrainingRow);
      const gate = await trainGateModel(train, ['leave-one-model-out'], { seed });
      rows.forEach((r, i) => {
        if (r.localModel === model && half.has(r.promptId) !== side) p[i] = predictProbability(gate.ensemble, gateRow({ question: r.prompt, answer: r.localAnswer }).features);
      });
    }
    out.set(model, p);
  }
  return out;
}

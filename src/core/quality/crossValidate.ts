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

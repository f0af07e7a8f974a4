// The plain baseline the shipped model is measured against: logistic regression on a hashed bag of
// words of the prompt. Used by the benchmarks only; it is not a routing strategy.

import { fnv1a } from '../features';
import { seededRandom } from '../../random';

const BUCKETS = 1 << 14;

function bagOfWords(text: string): number[] {
  const words = text.toLowerCase().match(/[a-z0-9_]+/g) ?? [];
  return [...new Set(words.map((w) => fnv1a(w) % BUCKETS))];
}

export interface BagOfWordsModel {
  predict(text: string): number;
}

export function trainBagOfWords(texts: readonly string[], labels: readonly number[], options = { epochs: 8, learningRate: 0.1, l2: 1e-4, seed: 1 }): BagOfWordsModel {
  const weights = new Float64Array(BUCKETS);
  let bias = 0;
  const rows = texts.map(bagOfWords);
  const order = rows.map((_, i) => i);
  const random = seededRandom(options.seed);
  const score = (features: number[]) => 1 / (1 + Math.exp(-(bias + features.reduce((s, f) => s + weights[f]!, 0) / Math.sqrt(Math.max(1, features.length)))));
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      const features = rows[i]!;
      const error = score(features) - labels[i]!;
      const step = (options.learningRate * error) / Math.sqrt(Math.max(1, features.length));
      for (const f of features) weights[f] = weights[f]! * (1 - options.learningRate * options.l2) - step;
      bias -= options.learningRate * error;
    }
  }
  return { predict: (text) => score(bagOfWords(text)) };
}

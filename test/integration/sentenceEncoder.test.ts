import { describe, expect, it, onTestFinished } from 'vitest';
import { SentenceEncoder } from '../../src/core/providers/sentenceEncoder';

describe('the sentence encoder', () => {
  it('ends its worker once unused for its idle time (it holds ~110 MB), and a later question starts it again', async () => {
    const encoder = new SentenceEncoder(200);
    onTestFinished(() => encoder.dispose());
    const [first] = await encoder.embed(['how do I reverse a list in python']);
    expect(encoder.running).toBe(true);
    await expect.poll(() => encoder.running, { timeout: 5000 }).toBe(false);
    const [again] = await encoder.embed(['how do I reverse a list in python']);
    expect(again).toHaveLength(first!.length);
    expect(again!.every((v, i) => Math.abs(v - first![i]!) < 1e-5)).toBe(true);
  }, 60_000);
});

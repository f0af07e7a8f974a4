import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { input, nodeOf, ollama, result, setup } from './support';

// A node that answers its health probes but hangs on /api/chat, beside a healthy node with the same
// model: requests must move on within seconds, not wait out the 120 s first-token limit.
async function twoNodes() {
  const hung = await ollama({ reply: () => 'from hung' });
  const good = await ollama({ reply: () => 'from good' });
  const world = await setup({ nodes: [nodeOf(hung, 'hung'), nodeOf(good, 'good')] }, { balancer: { strategy: 'round-robin' } });
  // Both answer twice, so both have the model loaded and a measured first-token time, as in real use
  // (a first answer's time includes loading the model and is not taken as the node's speed).
  const warm = [];
  for (let i = 0; i < 4; i++) warm.push(await result(ask(input(), world.deps)));
  expect(warm.map((r) => r.meta?.node).sort()).toEqual(['good', 'good', 'hung', 'hung']);
  hung.setOptions({ fault: { kind: 'hang' } });
  return { ...world, hung, good };
}

describe('a node that hangs before its first token', () => {
  it('costs each request a few seconds, not 120 s, when a healthy node has the model loaded', async () => {
    const { deps } = await twoNodes();
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = Date.now();
      const r = await result(ask(input(), deps));
      times.push(Date.now() - started);
      expect(r).toMatchObject({ outcome: 'ok', text: 'from good' });
    }
    console.log(`time to answer with one hung node of two (ms): ${times.join(', ')}`);
    expect(Math.max(...times)).toBeLessThan(8_000);
  }, 40_000);

  it('waits out a slow first token when no other node could answer', async () => {
    const node = await ollama({ reply: () => 'slow but fine' });
    const { deps } = await setup({ nodes: [nodeOf(node, 'only')] });
    await result(ask(input(), deps));
    node.setOptions({ latencyMs: 4_000 });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'slow but fine' });
  }, 20_000);
});

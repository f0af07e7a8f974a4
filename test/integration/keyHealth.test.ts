// A cloud key the provider refuses, while the learned router sends every question to the cloud first: the
// node that answers in its place must not hide the refusal (CloudKeyHealth feeds the panel and status bar).
import { describe, expect, it } from 'vitest';
import { ask } from '../../src/core/pipeline';
import { CloudKeyHealth, type KeyHealthChange } from '../../src/core/providers/keyHealth';
import { cloud, cloudOf, input, nodeOf, ollama, result, setup } from './support';

const CLOUD_FIRST = { files: { shipped: 'models/router.onnx' }, settings: { mode: 'ml' as const, policy: { mode: 'cloudShare' as const, cloudShare: 1 }, explore: 0 }, random: () => 0.99 };

async function world(cloudAcceptsKey: string) {
  const node = await ollama({ reply: () => 'node answer' });
  const api = await cloud({ apiKey: cloudAcceptsKey, reply: () => 'cloud answer' });
  const keyHealth = new CloudKeyHealth();
  const changes: KeyHealthChange[] = [];
  keyHealth.onChange((c) => changes.push(c));
  const { deps } = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api, 'e2e-cloud')] }, { learned: CLOUD_FIRST, cloudKey: 'sk-in-use', keyHealth });
  return { api, deps, keyHealth, changes };
}

describe('a rejected cloud key', () => {
  it('is marked once, though a node answers each request in the cloud’s place', async () => {
    const { deps, keyHealth, changes } = await world('sk-another');
    for (let i = 0; i < 2; i++) {
      expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'node answer', meta: { node: 'laptop', reason: expect.stringMatching(/e2e-cloud" failed \(auth\)/) } });
    }
    expect(keyHealth.list()).toEqual([{ provider: 'e2e-cloud', message: expect.stringMatching(/^cloud provider "e2e-cloud" rejected the API key \(HTTP 401\)\. Run "Singularity: Set Cloud API Key"/) }]);
    expect(changes.map((c) => c.rejected)).toEqual([true]);
  });

  it('is cleared when the provider answers again', async () => {
    const { api, deps, keyHealth, changes } = await world('sk-another');
    await result(ask(input(), deps));
    api.setOptions({ apiKey: 'sk-in-use' });
    expect(await result(ask(input(), deps))).toMatchObject({ outcome: 'ok', text: 'cloud answer', meta: { route: 'cloud' } });
    expect(keyHealth.list()).toEqual([]);
    expect(changes.map((c) => c.rejected)).toEqual([true, false]);
  });
});

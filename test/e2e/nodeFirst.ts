import type { FakeServer } from '../fixtures';

/** Settings for one loopback node and nothing else (no cloud, no demo). */
export function oneNodeSettings(node: FakeServer): Record<string, unknown> {
  return {
    'singularity.nodes': [{ name: 'e2e-node', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
    'singularity.demoMode': 'never',
  };
}

/**
 * Settings for one loopback node and one loopback cloud where the learned model routes every question to
 * the node (a 0% cloud target, no exploration), so what reaches the cloud is the user's or the gate's doing.
 */
export function nodeFirstSettings(node: FakeServer, cloud: FakeServer): Record<string, unknown> {
  return {
    ...oneNodeSettings(node),
    'singularity.cloudProviders': [{ name: 'e2e-cloud', kind: 'openai', baseUrl: `${cloud.url}/v1`, model: 'gpt-e2e' }],
    'singularity.router.mode': 'ml',
    'singularity.router.cloudShare': 0,
    'singularity.router.explore': 0,
  };
}

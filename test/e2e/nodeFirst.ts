import type { FakeServer } from '../fixtures';

/** Settings for one loopback node and nothing else (no cloud, no demo). */
export function oneNodeSettings(node: FakeServer): Record<string, unknown> {
  return {
    'singularity.nodes': [{ name: 'e2e-node', baseUrl: node.url, tier: 'local', models: [], maxParallel: 2 }],
    'singularity.demoMode': 'never',
  };
}

/** Settings for one loopback cloud provider (e2e-cloud, model gpt-e2e) and no demo; nodes are the caller's. */
export function oneCloudSettings(cloud: FakeServer): Record<string, unknown> {
  return {
    'singularity.cloudProviders': [{ name: 'e2e-cloud', kind: 'openai', baseUrl: `${cloud.url}/v1`, model: 'gpt-e2e' }],
    'singularity.demoMode': 'never',
  };
}

/**
 * Settings for one loopback node and one loopback cloud where the learned model routes every question to
 * the node (a 0% cloud target, no exploration), so what reaches the cloud is the user's or the gate's doing.
 */
export function nodeFirstSettings(node: FakeServer, cloud: FakeServer): Record<string, unknown> {
  return fixedShareSettings(node, cloud, 0);
}

/** The same, with every question routed to the cloud first (a 100% cloud target) and the node as its fallback. */
export function cloudFirstSettings(node: FakeServer, cloud: FakeServer): Record<string, unknown> {
  return fixedShareSettings(node, cloud, 1);
}

function fixedShareSettings(node: FakeServer, cloud: FakeServer, cloudShare: 0 | 1): Record<string, unknown> {
  return {
    ...oneNodeSettings(node),
    ...oneCloudSettings(cloud),
    'singularity.router.mode': 'ml',
    'singularity.router.cloudShare': cloudShare,
    'singularity.router.explore': 0,
  };
}

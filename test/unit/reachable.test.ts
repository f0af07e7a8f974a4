import { describe, expect, it } from 'vitest';
import { newlyReachable } from '../../src/core/nodes/reachable';
import type { NodeStatus } from '../../src/core/nodes/registry';

const status = (name: string, healthy: boolean): NodeStatus => ({ node: { name, baseUrl: `http://${name}`, tier: 'local', models: [], maxParallel: 1 }, healthy, models: [], loaded: [] });

describe('a configured node coming up while the demo runs', () => {
  it('is the node that is up now and was down before', () => {
    expect(newlyReachable([status('a', false), status('b', false)], [status('a', false), status('b', true)])?.node.name).toBe('b');
  });

  it('is none when the only node up was already up as the demo started', () => {
    expect(newlyReachable([status('a', true)], [status('a', true)])).toBeUndefined();
  });

  it('is none while every node stays down', () => {
    expect(newlyReachable([status('a', false)], [status('a', false)])).toBeUndefined();
  });
});

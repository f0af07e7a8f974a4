import type { NodeStatus } from './registry';

/**
 * The first node that is up in `after` but was not in `before`: a real node that came up while the demo ran
 * (one already up when the demo was started on purpose does not end it).
 */
export function newlyReachable(before: readonly NodeStatus[], after: readonly NodeStatus[]): NodeStatus | undefined {
  const wasUp = new Set(before.filter((s) => s.healthy).map((s) => s.node.name));
  return after.find((s) => s.healthy && !wasUp.has(s.node.name));
}

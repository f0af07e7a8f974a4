// An agent's tool loop (call -> result -> next call or answer) is one conversation spread over requests that
// share nothing but the ids of the calls. Each request of the loop goes where the calls it answers were made: a
// model continues its own plan, a warm node keeps its prompt cache, and the router does not flip a loop between
// a node and the cloud half-way. The ids are remembered here, a bounded number, in memory (a restart forgets).

import type { AnswerMeta, ChatMessage, CloudProviderConfig, Target, ToolCall } from '../types';
import type { RouteDecision } from './types';

export type LoopTarget = { kind: 'node'; node: string; model: string } | { kind: 'cloud'; provider: string; model: string };

/** Calls remembered; an agent's loop needs only its latest ones, and thousands of loops fit in a few hundred kB. */
const CAPACITY = 4096;

export class ToolLoops {
  private readonly byCall = new Map<string, LoopTarget>();

  constructor(private readonly capacity = CAPACITY) {}

  /** Where these calls were made (the answer's meta), oldest forgotten first once full. */
  remember(calls: readonly ToolCall[], meta: Pick<AnswerMeta, 'route' | 'node' | 'model'>): void {
    if (!meta.node) return;
    const where: LoopTarget = meta.route === 'cloud' ? { kind: 'cloud', provider: meta.node, model: meta.model } : { kind: 'node', node: meta.node, model: meta.model };
    for (const call of calls) {
      this.byCall.delete(call.id);
      this.byCall.set(call.id, where);
    }
    for (const oldest of this.byCall.keys()) {
      if (this.byCall.size <= this.capacity) break;
      this.byCall.delete(oldest);
    }
  }

  /** Where the conversation's latest remembered calls were made; undefined when none of its calls is known. */
  find(turns: readonly ChatMessage[]): LoopTarget | undefined {
    for (let i = turns.length - 1; i >= 0; i--) {
      for (const call of turns[i]!.toolCalls ?? []) {
        const where = this.byCall.get(call.id);
        if (where) return where;
      }
    }
    return undefined;
  }
}

/**
 * The decision with the loop's target first and the router's targets after it, as fallbacks for when that
 * target fails. A cloud provider no longer usable (its key removed) leaves the decision as it was.
 */
export function stayInLoop(where: LoopTarget, decision: RouteDecision, cloud: readonly CloudProviderConfig[]): RouteDecision {
  let first: Target;
  if (where.kind === 'node') {
    first = { kind: 'nodes', tiers: ['local', 'lan'], models: [where.model], node: where.node };
  } else {
    const provider = cloud.find((p) => p.name === where.provider);
    if (!provider) return decision;
    first = { kind: 'cloud', provider, model: where.model };
  }
  const place = where.kind === 'node' ? `node "${where.node}"` : `cloud "${where.provider}"`;
  return { ...decision, targets: [first, ...decision.targets], reason: `tool loop stays on ${place} (${where.model}), which made its calls; then ${decision.reason}` };
}

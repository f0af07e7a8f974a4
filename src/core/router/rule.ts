import type { Target, Tier } from '../types';
import { serves } from '../nodes/registry';
import { NoRouteError, type RouteContext, type RouteDecision, type Router } from './types';

/** Models worth trying on a node for this request, best first: the named model, else the task's default, then the chat default. */
export function wantedModels(ctx: Pick<RouteContext, 'model' | 'task' | 'defaultModels'>): string[] {
  if (ctx.model) return [ctx.model];
  return [...new Set([ctx.defaultModels[ctx.task], ctx.defaultModels.chat])];
}

/** Tiers that have at least one healthy node serving one of the wanted models. */
function servingTiers(ctx: RouteContext, models: string[]): Tier[] {
  const tiers = new Set<Tier>();
  for (const status of ctx.nodes) {
    if (serves(status, models)) tiers.add(status.node.tier);
  }
  return (['local', 'lan'] as const).filter((t) => tiers.has(t));
}

/**
 * The plain rule the learned router replaces: Ollama nodes (local and LAN, balanced by the pool)
 * when a healthy one has the model, else the cloud. An explicit route narrows to that route only.
 */
export const ruleRouter = {
  name: 'rule',
  decide(ctx: RouteContext): RouteDecision {
    const models = wantedModels(ctx);
    const allowed: Tier[] = ctx.requested === 'auto' ? ['local', 'lan'] : ctx.requested === 'cloud' ? [] : [ctx.requested];
    const tiers = servingTiers(ctx, models).filter((t) => allowed.includes(t));
    const cloud: Target[] =
      ctx.requested === 'auto' || ctx.requested === 'cloud' ? ctx.cloud.map((provider) => ({ kind: 'cloud', provider, model: provider.model })) : [];
    const targets: Target[] = [...(tiers.length > 0 ? [{ kind: 'nodes' as const, tiers, models }] : []), ...cloud];
    if (targets.length === 0) throw new NoRouteError(noRouteMessage(ctx, models));
    const reason =
      tiers.length > 0
        ? `a healthy ${tiers.join('/')} node has ${models.join(' or ')}`
        : ctx.requested === 'cloud'
          ? 'cloud requested'
          : `no healthy node has ${models.join(' or ')}`;
    return { targets, reason, strategy: 'rule' };
  },
} satisfies Router;

function noRouteMessage(ctx: RouteContext, models: string[]): string {
  const healthy = ctx.nodes.filter((n) => n.healthy).length;
  const nodePart =
    ctx.nodes.length === 0
      ? 'no Ollama node is configured (run "Singularity: Add Ollama Node")'
      : healthy === 0
        ? `none of the ${ctx.nodes.length} Ollama node(s) is reachable`
        : `no healthy node has ${models.join(' or ')} (pull it with "ollama pull ${models[0]}")`;
  const cloudPart =
    ctx.cloud.length === 0 ? 'no cloud provider has an API key (run "Singularity: Set Cloud API Key")' : 'the cloud was excluded';
  const scope = ctx.requested === 'auto' ? '' : ` for route "${ctx.requested}"`;
  return `No model can answer${scope}: ${nodePart}, and ${cloudPart}.`;
}

import type { Tier } from '../types';
import { servableModels, type NodeStatus } from '../nodes/registry';
import { sameModel } from '../nodes/models';
import { NoRouteError, type RouteContext, type RouteDecision, type Router, type Target } from './types';

/** Models worth trying on a node for this request, best first: the named model, else the task's default, then the chat default. */
function wantedModels(ctx: RouteContext): string[] {
  if (ctx.model) return [ctx.model];
  return [...new Set([ctx.defaultModels[ctx.task], ctx.defaultModels.chat])];
}

function nodeTargets(ctx: RouteContext, tier: Tier): Target[] {
  const targets: Target[] = [];
  for (const status of ctx.nodes) {
    if (!status.healthy || status.node.tier !== tier) continue;
    const model = pickModel(status, wantedModels(ctx));
    if (model) targets.push({ route: tier, node: status.node, model });
  }
  return targets;
}

function pickModel(status: NodeStatus, wanted: string[]): string | undefined {
  const available = servableModels(status);
  for (const w of wanted) {
    const hit = available.find((m) => sameModel(m, w));
    if (hit) return hit;
  }
  return undefined;
}

function cloudTargets(ctx: RouteContext): Target[] {
  return ctx.cloud.map((provider) => ({ route: 'cloud' as const, provider, model: provider.model }));
}

function describe(t: Target): string {
  return t.route === 'cloud' ? `cloud "${t.provider.name}" (${t.model})` : `${t.route} node "${t.node.name}" (${t.model})`;
}

/**
 * The plain rule the learned router replaces: a healthy local node that has the model, then a LAN
 * node, then the cloud. An explicit route narrows the candidates to that route only.
 */
export const ruleRouter: Router = {
  name: 'rule',
  decide(ctx: RouteContext): RouteDecision {
    const ordered = [...nodeTargets(ctx, 'local'), ...nodeTargets(ctx, 'lan'), ...cloudTargets(ctx)];
    const candidates = ctx.requested === 'auto' ? ordered : ordered.filter((t) => t.route === ctx.requested);
    const [target, ...fallbacks] = candidates;
    if (!target) throw new NoRouteError(noRouteMessage(ctx));
    const reason =
      target.route === 'cloud'
        ? ctx.requested === 'cloud'
          ? 'cloud requested'
          : `no healthy node has ${wantedModels(ctx).join(' or ')}`
        : `${describe(target)} is healthy and has the model`;
    return { target, fallbacks, reason, strategy: 'rule' };
  },
};

function noRouteMessage(ctx: RouteContext): string {
  const healthy = ctx.nodes.filter((n) => n.healthy).length;
  const nodePart =
    ctx.nodes.length === 0
      ? 'no Ollama node is configured (run "Singularity: Add Ollama Node")'
      : healthy === 0
        ? `none of the ${ctx.nodes.length} Ollama node(s) is reachable`
        : `no healthy node has ${wantedModels(ctx).join(' or ')} (pull it with "ollama pull ${wantedModels(ctx)[0]}")`;
  const cloudPart =
    ctx.cloud.length === 0 ? 'no cloud provider has an API key (run "Singularity: Set Cloud API Key")' : 'the cloud was excluded';
  const scope = ctx.requested === 'auto' ? '' : ` for route "${ctx.requested}"`;
  return `No model can answer${scope}: ${nodePart}, and ${cloudPart}.`;
}

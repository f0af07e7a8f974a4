// What /v1/models lists and how a requested model id maps onto the pipeline: "singularity/auto" goes
// through the router; a node model (its Ollama name) or a cloud model ("<provider>/<model>") is pinned.

import type { CloudProviderConfig } from '../types';
import type { NodeStatus } from '../nodes/registry';
import { servableModels } from '../nodes/registry';
import { canonicalModel, sameModel } from '../nodes/models';
import type { PinnedTarget } from '../pipeline';

export const AUTO_MODEL = 'singularity/auto';

export interface CatalogEntry {
  id: string;
  ownedBy: string;
  /** Undefined for the routed model. */
  pinned?: PinnedTarget;
}

/** The routed model, every model a healthy node serves, and every usable cloud provider's model. */
export function modelCatalog(nodes: readonly NodeStatus[], cloud: readonly CloudProviderConfig[]): CatalogEntry[] {
  const nodeModels = new Map<string, string[]>();
  for (const status of nodes) {
    if (!status.healthy) continue;
    for (const m of servableModels(status)) {
      const id = canonicalModel(m);
      nodeModels.set(id, [...(nodeModels.get(id) ?? []), status.node.name]);
    }
  }
  return [
    { id: AUTO_MODEL, ownedBy: 'singularity' },
    ...[...nodeModels].map(([id, on]) => ({ id, ownedBy: `ollama (${on.join(', ')})`, pinned: { kind: 'nodeModel' as const, model: id } })),
    ...cloud.map((provider) => ({ id: `${provider.name}/${provider.model}`, ownedBy: provider.name, pinned: { kind: 'cloud' as const, provider, model: provider.model } })),
  ];
}

/** The catalog entry a requested id names; node models match the way Ollama does (llama3.2 = llama3.2:latest). */
export function findModel(catalog: readonly CatalogEntry[], id: string): CatalogEntry | undefined {
  return catalog.find((e) => e.id === id) ?? catalog.find((e) => e.pinned?.kind === 'nodeModel' && sameModel(e.id, id));
}

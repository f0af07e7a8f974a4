import * as vscode from 'vscode';
import { checkHttpUrl, probeNode } from '../core/nodes/probe';
import { isLoopbackUrl } from '../core/providers/factory';
import type { NodeConfig, Tier } from '../core/types';
import { addNodeSetting, readConfig } from './config';

/**
 * "Singularity: Add Ollama Node": asks for a URL, probes /api/version and /api/tags, offers the models
 * found, and saves the node to the user's settings.
 */
export async function addOllamaNode(): Promise<NodeConfig | undefined> {
  const existing = readConfig().config.nodes;
  const url = await vscode.window.showInputBox({
    title: 'Add Ollama Node (1/3): URL',
    prompt: 'Base URL of the Ollama server',
    value: 'http://127.0.0.1:11434',
    validateInput: (v) => {
      const problem = checkHttpUrl(v.trim());
      if (problem) return problem;
      const trimmed = v.trim().replace(/\/+$/, '');
      return existing.some((n) => n.baseUrl === trimmed) ? `${trimmed} is already configured.` : undefined;
    },
  });
  if (!url) return undefined;
  const baseUrl = url.trim().replace(/\/+$/, '');

  const probe = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Contacting Ollama at ${baseUrl}…` },
    () => probeNode(baseUrl, 5000),
  );
  if (!probe.ok) {
    const choice = await vscode.window.showErrorMessage(`Could not reach Ollama at ${baseUrl}: ${probe.error}`, 'Add Anyway', 'Cancel');
    if (choice !== 'Add Anyway') return undefined;
  }

  let models: string[] = [];
  if (probe.ok && probe.models.length > 0) {
    const picked = await vscode.window.showQuickPick(
      probe.models.map((m) => ({ label: m, picked: true })),
      { title: `Add Ollama Node (2/3): models to use (Ollama ${probe.version}, ${probe.latencyMs} ms)`, canPickMany: true },
    );
    if (!picked) return undefined;
    // Picking every model means "whatever the node has", which follows later pulls too.
    models = picked.length === probe.models.length ? [] : picked.map((p) => p.label);
  }

  const tierPick = await vscode.window.showQuickPick(
    [
      { label: 'local', description: 'this machine', tier: 'local' as Tier },
      { label: 'lan', description: 'another machine on the network', tier: 'lan' as Tier },
    ],
    { title: 'Add Ollama Node (3/3): where is it?', placeHolder: isLoopbackUrl(baseUrl) ? 'local' : 'lan' },
  );
  if (!tierPick) return undefined;

  const node: NodeConfig = { name: new URL(baseUrl).host, baseUrl, tier: tierPick.tier, models, maxParallel: 2 };
  await addNodeSetting(node);
  void vscode.window.showInformationMessage(
    `Added Ollama node ${node.name} (${node.tier}${probe.ok ? `, ${probe.models.length} models` : ', not reachable yet'}).`,
  );
  return node;
}

import * as vscode from 'vscode';
import type { LiveNode } from '../shared/dashboard';
import type { KeyRejection } from '../core/providers/keyHealth';

/** One tooltip line per node: health, load, measured speed, breaker. */
function describeNode(n: LiveNode): string {
  if (!n.healthy) return `✗ ${n.name} (${n.tier}) — ${n.error ?? 'not checked yet'}`;
  const parts = [`${n.active}/${n.maxParallel} busy`];
  if (n.queued > 0) parts.push(`${n.queued} queued`);
  if (n.tokensPerSecond !== undefined) parts.push(`${n.tokensPerSecond.toFixed(0)} tok/s`);
  if (n.ttftMs !== undefined) parts.push(`TTFT ${Math.round(n.ttftMs)} ms`);
  parts.push(`${n.models.length} models${n.loaded.length ? `, ${n.loaded.length} loaded` : ''}`);
  if (n.breaker !== 'healthy') parts.push(n.breaker);
  return `✓ ${n.name} (${n.tier}) — ${parts.join(' · ')}`;
}

/** "2/3 nodes" in the status bar; the tooltip shows each node's load and why a node is down. Click opens the chat. */
export class NodeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('singularity.nodes', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Singularity nodes';
    this.item.command = 'singularity.openChat';
    this.item.show();
  }

  /** `waiting`: requests queued in the pool because every node that could serve them is full. */
  update(nodes: readonly LiveNode[], waiting: number, demo: boolean): void {
    const healthy = nodes.filter((n) => n.healthy).length;
    const busy = nodes.reduce((sum, n) => sum + n.active + n.queued, 0) + waiting;
    const icon = healthy === 0 ? '$(circle-slash)' : busy > 0 ? '$(loading~spin)' : '$(circle-filled)';
    this.item.text = `${icon} ${demo ? 'DEMO ' : ''}${healthy}/${nodes.length} nodes`;
    const md = new vscode.MarkdownString(
      `**Singularity${demo ? ' — demo mode, simulated nodes' : ''}**\n\n${nodes.map((n) => `- ${describeNode(n)}`).join('\n') || 'No Ollama node configured.'}` +
        (waiting > 0 ? `\n\n${waiting} request(s) waiting for a free node` : ''),
    );
    md.supportHtml = false;
    md.isTrusted = false;
    this.item.tooltip = md;
    this.item.backgroundColor = healthy === 0 && nodes.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** Shown only while a cloud provider refuses its key: a node may be answering in the cloud's place. Click sets a key. */
export class CloudKeyStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('singularity.cloudKey', vscode.StatusBarAlignment.Right, 99);

  constructor() {
    this.item.name = 'Singularity cloud key';
    this.item.command = 'singularity.setCloudApiKey';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  update(rejected: readonly KeyRejection[]): void {
    if (rejected.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(warning) Cloud key rejected`;
    const md = new vscode.MarkdownString(`${rejected.map((r) => `- ${r.message}`).join('\n')}\n\nRequests meant for the cloud are answered by your nodes. Click to set a new key.`);
    md.supportHtml = false;
    md.isTrusted = false;
    this.item.tooltip = md;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

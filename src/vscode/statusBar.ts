import * as vscode from 'vscode';
import type { NodeStatus } from '../core/nodes/registry';

/** "2/3 nodes" in the status bar; the tooltip names each node and why it is down. Click opens the chat. */
export class NodeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('singularity.nodes', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Singularity nodes';
    this.item.command = 'singularity.openChat';
    this.item.show();
  }

  update(statuses: readonly NodeStatus[], demo: boolean): void {
    const healthy = statuses.filter((s) => s.healthy).length;
    const icon = healthy > 0 ? '$(circle-filled)' : '$(circle-slash)';
    this.item.text = `${icon} ${demo ? 'DEMO ' : ''}${healthy}/${statuses.length} nodes`;
    const lines = statuses.map((s) =>
      s.healthy ? `✓ ${s.node.name} (${s.node.tier}) — ${s.models.length} models` : `✗ ${s.node.name} — ${s.error ?? 'not checked yet'}`,
    );
    const md = new vscode.MarkdownString(
      `**Singularity${demo ? ' — demo mode, simulated nodes' : ''}**\n\n${lines.map((l) => `- ${l}`).join('\n') || 'No Ollama node configured.'}`,
    );
    md.supportHtml = false;
    md.isTrusted = false;
    this.item.tooltip = md;
    this.item.backgroundColor = healthy === 0 && statuses.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

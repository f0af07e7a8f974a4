import * as vscode from 'vscode';
import type { ActiveServices } from '../core/activeServices';
import type { Logger } from '../core/log';
import { NodeRegistry } from '../core/nodes/registry';
import { newlyReachable } from '../core/nodes/reachable';
import type { NodeConfig, SingularityConfig } from '../core/types';
import { startDemo, type Demo } from './demo';

export interface DemoModeDeps {
  services: ActiveServices;
  /** Rebuilds routing (the demo's configuration while one runs, else the settings') and probes its nodes. */
  rebuild(): Promise<void>;
  /** After a switch of services and the rebuild: views show the current services' data. */
  switched(): void;
  /** The nodes in the user's settings: watched while the demo runs, the first one to come up ends it. */
  configuredNodes(): NodeConfig[];
  pollMs: number;
  log: Logger;
}

/**
 * Demo mode's lifecycle: simulated servers plus services over a throwaway store (core/activeServices.ts).
 * It ends by command, when the user configures nodes, or when a configured node comes up; the demo's data
 * goes with it.
 */
export class DemoMode {
  private demo: Demo | undefined;
  private watcher: NodeRegistry | undefined;

  constructor(private readonly deps: DemoModeDeps) {}

  get active(): boolean {
    return this.demo !== undefined;
  }

  get config(): SingularityConfig | undefined {
    return this.demo?.config;
  }

  async start(): Promise<void> {
    if (this.demo) return;
    this.demo = await startDemo();
    await this.deps.services.startDemo();
    this.deps.log.info('Demo mode: simulated nodes started on 127.0.0.1 (answers are simulated, not from a real model; nothing from the demo is kept).');
    await this.deps.rebuild();
    this.deps.switched();
    void this.watchConfiguredNodes();
    void vscode.window.showInformationMessage('Singularity demo mode: answers come from SIMULATED nodes, not a real model. Nothing from the demo is kept.');
  }

  /** Ends the demo (`why` completes "Demo mode ended …"), drops its data and goes back to the settings' nodes. */
  async stop(why: string): Promise<void> {
    const demo = this.demo;
    if (!demo) return;
    this.demo = undefined;
    this.stopWatching();
    await this.deps.services.endDemo();
    await this.deps.rebuild();
    this.deps.switched();
    await demo.stop();
    this.deps.log.info(`Demo mode ended ${why}; its simulated requests, feedback and examples were discarded.`);
    void vscode.window.showInformationMessage(`Singularity: demo mode ended ${why}. Its simulated requests, feedback and examples were discarded.`);
  }

  /** Ends the demo as the window closes: no rebuild, no message. */
  async close(): Promise<void> {
    this.stopWatching();
    const demo = this.demo;
    this.demo = undefined;
    await Promise.allSettled([this.deps.services.endDemo(), demo?.stop()]);
  }

  private async watchConfiguredNodes(): Promise<void> {
    const watcher = new NodeRegistry(this.deps.configuredNodes(), this.deps.log);
    this.watcher = watcher;
    const before = await watcher.refresh();
    if (this.watcher !== watcher) return;
    watcher.onChange((after) => {
      const up = newlyReachable(before, after);
      if (up) void this.stop(`because the node "${up.node.name}" is reachable`);
    });
    watcher.startPolling(this.deps.pollMs);
  }

  private stopWatching(): void {
    this.watcher?.stopPolling();
    this.watcher = undefined;
  }
}

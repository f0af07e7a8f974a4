import * as vscode from 'vscode';
import type { Routing } from '../core/app';
import type { Logger } from '../core/log';
import { dashboardData } from '../core/metrics/dashboard';
import { exportRequests } from '../core/metrics/export';
import { CoalescedRefresh } from '../core/metrics/refresh';
import type { CloudPrices } from '../core/metrics/types';
import type { DashboardData, ExportFormat, LiveNode, Period } from '../shared/dashboard';
import type { Requests } from '../core/store/requests';
import type { LearnedRouter } from '../core/router/learned';
import { isDashboardMessage, type DashboardHostMessage, type DashboardWebviewMessage } from '../shared/protocol';
import { pageAssets } from './webviewPage';
import { dashboardHtmlTemplate } from './dashboardHtml';

/**
 * New requests come in bursts (a batch, an agent on the endpoint): the period is recomputed at most once a
 * second while they do. Node changes (a slot taken or freed) only change the live load, which costs nothing
 * to read: it follows them more closely, with the last computed period.
 */
const DATA_INTERVAL_MS = 1000;
const LIVE_INTERVAL_MS = 300;

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  routing: () => Routing;
  /** The current services' requests and router (a demo has its own, dropped when it ends). */
  requests: () => Requests;
  router: () => LearnedRouter;
  /** Fires when the services changed (a demo started or ended): the dashboard then shows the new ones' data. */
  servicesChanged: vscode.Event<void>;
  isDemo: () => boolean;
  prices: () => CloudPrices;
  log: Logger;
}

/** The "Singularity Dashboard" editor tab: a thin adapter between its webview and src/core/metrics. */
export class DashboardPanel {
  static readonly viewType = 'singularity.dashboard';
  private static current: DashboardPanel | undefined;

  private period: Period = '7d';
  private readonly disposables: vscode.Disposable[] = [];
  private data: DashboardData | undefined;
  private readonly dataRefresh = new CoalescedRefresh(() => this.refresh(), DATA_INTERVAL_MS);
  private readonly liveRefresh = new CoalescedRefresh(() => this.postLive(), LIVE_INTERVAL_MS);
  // Routing is rebuilt when settings change and the services when a demo starts or ends: the sources followed
  // are re-checked on each refresh.
  private readonly pool = new Follower(() => this.deps.routing().pool, (p) => p.onChange(() => this.liveRefresh.changed()));
  private readonly requests = new Follower(() => this.deps.requests(), (r) => r.onRecord(() => this.dataRefresh.changed()));

  /** Opens the dashboard, or brings the open one to the front. */
  static show(deps: DashboardDeps): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Singularity Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview')],
    });
    DashboardPanel.current = new DashboardPanel(panel, deps);
    return DashboardPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: DashboardDeps,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'singularity.svg');
    panel.webview.html = dashboardHtmlTemplate(pageAssets(panel.webview, deps.extensionUri, 'dashboard'));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isDashboardMessage(m)) {
          deps.log.warn(`Ignored a malformed message from the dashboard: ${JSON.stringify(m)?.slice(0, 200)}`);
          return;
        }
        this.handle(m).catch((err: Error) => deps.log.error(`Dashboard: ${err.stack ?? err.message}`));
      }),
      panel.onDidDispose(() => this.dispose()),
      // Hidden, it computes nothing (retainContextWhenHidden keeps the page): shown again, it catches up.
      panel.onDidChangeViewState(() => {
        this.dataRefresh.setVisible(panel.visible);
        this.liveRefresh.setVisible(panel.visible);
      }),
      deps.servicesChanged(() => this.dataRefresh.now()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('singularity')) this.dataRefresh.changed();
      }),
    );
    this.follow();
  }

  private async handle(m: DashboardWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.dataRefresh.now();
        return;
      case 'setPeriod':
        this.period = m.period;
        this.dataRefresh.now();
        return;
      case 'export':
        try {
          await this.export(m.format);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.deps.log.error(`Dashboard export failed: ${message}`);
          void vscode.window.showErrorMessage(`Singularity: the export failed: ${message}`);
        }
        return;
    }
  }

  /** Computes the visible period's data from the store and posts it with the nodes' live load. */
  private async refresh(): Promise<void> {
    this.follow();
    const started = Date.now();
    try {
      this.data = await dashboardData(this.deps.requests().store, { period: this.period, now: started, prices: this.deps.prices() });
    } catch (err) {
      this.deps.log.error(`Dashboard: computing ${this.period} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return;
    }
    await this.postLive();
    const took = Date.now() - started;
    if (took > 200) this.deps.log.debug(`Dashboard data for ${this.period} took ${took} ms`);
  }

  /** The last computed period with the nodes' load as it is now. */
  private async postLive(): Promise<void> {
    this.follow();
    if (!this.data) return;
    const live: LiveNode[] = this.deps.routing().pool.load();
    this.post({ type: 'data', data: this.data, live, demo: this.deps.isDemo(), router: await this.deps.router().status() });
  }

  private follow(): void {
    this.pool.check();
    this.requests.check();
  }

  private async export(format: ExportFormat): Promise<void> {
    const period = this.period;
    const { text, rows } = await exportRequests(this.deps.requests().store, { period, now: Date.now(), format });
    const fileName = `singularity-metrics-${period}.${format}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Export ${rows} Singularity requests`,
      saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : vscode.Uri.file(fileName),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    const path = target.scheme === 'file' ? target.fsPath : target.toString();
    this.deps.log.info(`Exported ${rows} requests (${period}, ${format}) to ${path}`);
    this.post({ type: 'exported', format, path, rows });
    void vscode.window.showInformationMessage(`Singularity: exported ${rows} requests to ${path}`);
  }

  private post(message: DashboardHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.dataRefresh.dispose();
    this.liveRefresh.dispose();
    this.pool.dispose();
    this.requests.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Closes the open dashboard (on deactivation). */
  static close(): void {
    DashboardPanel.current?.panel.dispose();
  }
}

/** Follows the change events of whichever source is current. */
class Follower<T> {
  private source: T | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly current: () => T,
    private readonly subscribe: (source: T) => () => void,
  ) {}

  check(): void {
    const source = this.current();
    if (source === this.source) return;
    this.unsubscribe?.();
    this.source = source;
    this.unsubscribe = this.subscribe(source);
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

export function registerDashboard(deps: DashboardDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('singularity.openDashboard', () => void DashboardPanel.show(deps)),
    new vscode.Disposable(() => DashboardPanel.close()),
  ];
}

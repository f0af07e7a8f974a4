import * as vscode from 'vscode';
import type { Routing } from '../core/app';
import type { Logger } from '../core/log';
import { dashboardData } from '../core/metrics/dashboard';
import { exportRequests } from '../core/metrics/export';
import type { CloudPrices } from '../core/metrics/types';
import type { ExportFormat, LiveNode, Period } from '../shared/dashboard';
import type { Requests } from '../core/store/requests';
import type { LearnedRouter } from '../core/router/learned';
import { isDashboardMessage, type DashboardHostMessage, type DashboardWebviewMessage } from '../shared/protocol';
import { pageAssets } from './webviewPage';
import { dashboardHtmlTemplate } from './dashboardHtml';

/** New requests and node changes come in bursts (a batch, a streaming answer's lease): one refresh per burst. */
const REFRESH_DEBOUNCE_MS = 300;

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
  private timer: NodeJS.Timeout | undefined;
  // Routing is rebuilt when settings change and the services when a demo starts or ends: the sources followed
  // are re-checked on each refresh.
  private readonly pool = new Follower(() => this.deps.routing().pool, (p) => p.onChange(() => this.scheduleRefresh()));
  private readonly requests = new Follower(() => this.deps.requests(), (r) => r.onRecord(() => this.scheduleRefresh()));

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
      deps.servicesChanged(() => this.refreshLogged()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('singularity')) this.scheduleRefresh();
      }),
    );
    this.follow();
  }

  private async handle(m: DashboardWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.refresh();
      case 'setPeriod':
        this.period = m.period;
        return this.refresh();
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

  private scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshLogged();
    }, REFRESH_DEBOUNCE_MS);
  }

  private refreshLogged(): void {
    this.refresh().catch((err: Error) => this.deps.log.error(`Dashboard: ${err.stack ?? err.message}`));
  }

  /** Computes the period's data from the store and posts it with the nodes' live load. */
  private async refresh(): Promise<void> {
    this.follow();
    const started = Date.now();
    const data = await dashboardData(this.deps.requests().store, { period: this.period, now: started, prices: this.deps.prices() });
    const live: LiveNode[] = this.deps.routing().pool.load();
    this.post({ type: 'data', data, live, demo: this.deps.isDemo(), router: await this.deps.router().status() });
    const took = Date.now() - started;
    if (took > 200) this.deps.log.debug(`Dashboard data for ${this.period} took ${took} ms`);
  }

  private follow(): void {
    this.pool.check();
    this.requests.check();
  }

  private async export(format: ExportFormat): Promise<void> {
    const period = this.period;
    const { text, rows } = (await exportRequests(this.deps.requests().store, { period, now: Date.now(), format }));
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
    clearTimeout(this.timer);
    this.timer = undefined;
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

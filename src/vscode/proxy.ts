import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { PipelineDeps } from '../core/pipeline';
import { generateProxyKey, isLoopbackHost, startProxy, type RunningProxy } from '../core/proxy/server';
import { readProxySettings } from './config';

const KEY_SECRET = 'singularity.proxyKey';

/**
 * The OpenAI-compatible endpoint inside the extension host: off until a command starts it. Its key is
 * generated once and kept in SecretStorage; starting copies the base URL and key for a tool's environment.
 */
export class ProxyController implements vscode.Disposable {
  private running: RunningProxy | undefined;
  private readonly item = vscode.window.createStatusBarItem('singularity.endpoint', vscode.StatusBarAlignment.Right, 99);

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly deps: () => PipelineDeps,
    private readonly log: Logger,
  ) {
    this.item.name = 'Singularity endpoint';
    this.item.command = 'singularity.copyEndpoint';
  }

  get url(): string | undefined {
    return this.running?.url;
  }

  private async key(): Promise<string> {
    const existing = await this.secrets.get(KEY_SECRET);
    if (existing) return existing;
    const key = generateProxyKey();
    await this.secrets.store(KEY_SECRET, key);
    return key;
  }

  async start(): Promise<string> {
    if (this.running) return this.running.url;
    const settings = readProxySettings();
    if (!isLoopbackHost(settings.host) && settings.allowRemote) {
      const go = await vscode.window.showWarningMessage(
        `Singularity: the endpoint will listen on ${settings.host}, reachable from other machines. Anyone with the key can use your nodes and your cloud key.`,
        { modal: true },
        'Start Anyway',
      );
      if (go !== 'Start Anyway') throw new Error('Not started.');
    }
    this.running = await startProxy({ ...settings, key: await this.key(), deps: this.deps, log: this.log });
    this.log.info(`OpenAI-compatible endpoint listening at ${this.running.url}`);
    this.item.text = `$(plug) API :${this.running.port}`;
    this.item.tooltip = `Singularity OpenAI-compatible endpoint at ${this.running.url} (model "singularity/auto"). Click to copy the URL and key.`;
    this.item.show();
    return this.running.url;
  }

  async stop(): Promise<boolean> {
    if (!this.running) return false;
    await this.running.close();
    this.log.info('OpenAI-compatible endpoint stopped.');
    this.running = undefined;
    this.item.hide();
    return true;
  }

  /** The two lines a tool's environment needs. */
  async environment(): Promise<string | undefined> {
    if (!this.running) return undefined;
    return `OPENAI_BASE_URL=${this.running.url}\nOPENAI_API_KEY=${await this.key()}`;
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }
}

export function registerProxyCommands(proxy: ProxyController, log: Logger): vscode.Disposable[] {
  const copy = async (): Promise<boolean> => {
    const env = await proxy.environment();
    if (!env) return false;
    await vscode.env.clipboard.writeText(env);
    return true;
  };
  return [
    proxy,
    vscode.commands.registerCommand('singularity.startEndpoint', async () => {
      try {
        const url = await proxy.start();
        await copy();
        void vscode.window.showInformationMessage(`Singularity endpoint running at ${url} (model "singularity/auto"). OPENAI_BASE_URL and OPENAI_API_KEY are copied to the clipboard.`);
        return url;
      } catch (err) {
        const message = (err as Error).message;
        if (message !== 'Not started.') {
          log.error(`Endpoint: ${message}`);
          void vscode.window.showErrorMessage(`Singularity: the endpoint did not start: ${message}`);
        }
        return undefined;
      }
    }),
    vscode.commands.registerCommand('singularity.stopEndpoint', async () => {
      const stopped = await proxy.stop();
      void vscode.window.showInformationMessage(stopped ? 'Singularity endpoint stopped.' : 'Singularity endpoint is not running.');
    }),
    vscode.commands.registerCommand('singularity.copyEndpoint', async () => {
      if (await copy()) void vscode.window.showInformationMessage('Singularity: OPENAI_BASE_URL and OPENAI_API_KEY copied to the clipboard.');
      else void vscode.window.showWarningMessage('Singularity endpoint is not running. Start it with "Singularity: Start OpenAI-Compatible Endpoint".');
    }),
  ];
}

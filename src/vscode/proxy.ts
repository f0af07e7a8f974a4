import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { PipelineDeps } from '../core/pipeline';
import { generateProxyKey, isLoopbackHost, startProxy, type RunningProxy } from '../core/proxy/server';
import { clientEnvironment, type ClientApi } from '../core/proxy/clientSetup';
import { readProxySettings } from './config';

const KEY_SECRET = 'singularity.proxyKey';

/**
 * The OpenAI- and Anthropic-compatible endpoint inside the extension host: off until a command starts it.
 * Its key is generated once and kept in SecretStorage; starting copies the OpenAI base URL and key for a
 * tool's environment, and "Copy Endpoint URL and Key" offers either API's.
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
    this.log.info(`Endpoint (OpenAI and Anthropic APIs) listening at ${this.running.url}`);
    this.item.text = `$(plug) API :${this.running.port}`;
    this.item.tooltip = `Singularity endpoint at ${this.running.url} (OpenAI and Anthropic APIs, model "singularity/auto"). Click to copy the URL and key.`;
    this.item.show();
    return this.running.url;
  }

  async stop(): Promise<boolean> {
    if (!this.running) return false;
    await this.running.close();
    this.log.info('Endpoint stopped.');
    this.running = undefined;
    this.item.hide();
    return true;
  }

  /** The lines a tool's environment needs to reach the endpoint through one API. */
  async environment(api: ClientApi): Promise<string | undefined> {
    if (!this.running) return undefined;
    return clientEnvironment(api, this.running.url, await this.key());
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }
}

const CLIENT_CHOICES: (vscode.QuickPickItem & { api: ClientApi; copied: string })[] = [
  { api: 'openai', label: 'OpenAI-compatible clients', detail: 'Aider, Continue, OpenCode, the openai SDKs', copied: 'OPENAI_BASE_URL and OPENAI_API_KEY' },
  { api: 'anthropic', label: 'Anthropic clients', detail: 'Claude Code, the Anthropic SDKs', copied: 'ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN and ANTHROPIC_MODEL' },
];

export function registerProxyCommands(proxy: ProxyController, log: Logger): vscode.Disposable[] {
  const copy = async (api: ClientApi): Promise<boolean> => {
    const env = await proxy.environment(api);
    if (!env) return false;
    await vscode.env.clipboard.writeText(env);
    return true;
  };
  return [
    proxy,
    vscode.commands.registerCommand('singularity.startEndpoint', async () => {
      try {
        const url = await proxy.start();
        await copy('openai');
        void vscode.window.showInformationMessage(`Singularity endpoint running at ${url} (model "singularity/auto"). OPENAI_BASE_URL and OPENAI_API_KEY are copied to the clipboard; "Copy Endpoint URL and Key" has Anthropic's for Claude Code.`);
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
      if (!proxy.url) return void vscode.window.showWarningMessage('Singularity endpoint is not running. Start it with "Singularity: Start OpenAI-Compatible Endpoint".');
      const choice = await vscode.window.showQuickPick(CLIENT_CHOICES, { title: 'Copy the endpoint URL and key for', placeHolder: 'Which API does the tool speak?' });
      if (choice && (await copy(choice.api))) void vscode.window.showInformationMessage(`Singularity: ${choice.copied} copied to the clipboard.`);
    }),
  ];
}

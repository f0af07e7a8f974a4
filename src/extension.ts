import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Routing } from './core/app';
import { Store } from './core/store/db';
import { registerExampleCommands } from './vscode/examples';
import { registerVisionCommands } from './vscode/vision';
import type { SingularityConfig } from './core/types';
import { affectsSingularity, cloudPrices, CloudKeys, demoSetting, readConfig, readContextSettings, readQualitySettings, readRouterSettings, readVisionSettings } from './vscode/config';
import { ContextWarmer } from './vscode/contextWarmer';
import { registerRouterCommands } from './vscode/router';
import { ProxyController, registerProxyCommands } from './vscode/proxy';
import { registerModelPicker } from './vscode/modelPicker';
import { channelLogger } from './vscode/logger';
import { ChatViewProvider } from './vscode/chatView';
import { NodeStatusBar } from './vscode/statusBar';
import { FileIndex } from './vscode/context';
import { registerCommands } from './vscode/commands';
import { registerBatchCommands } from './vscode/batch';
import { startDemo, type Demo } from './vscode/demo';
import { registerDashboard } from './vscode/dashboard';

/** How often nodes are re-probed; failures trigger an immediate probe in between. */
const HEALTH_INTERVAL_MS = 30_000;

let disposeAll: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const channel = vscode.window.createOutputChannel('Singularity', { log: true });
  const log = channelLogger(channel);
  const keys = new CloudKeys(context.secrets);

  mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
  const { store, warnings } = await Store.open({ file: join(context.globalStorageUri.fsPath, 'singularity.db'), log });
  for (const w of warnings) {
    log.warn(w);
    void vscode.window.showWarningMessage(w);
  }
  const services = createServices({
    store,
    routerModels: { shipped: context.asAbsolutePath(join('models', 'router.onnx')), dir: join(context.globalStorageUri.fsPath, 'models') },
    gateModelPath: context.asAbsolutePath(join('models', 'gate.json')),
    settings: {
      router: () => readRouterSettings().settings,
      quality: () => readQualitySettings().settings,
      context: () => readContextSettings().settings,
      vision: () => readVisionSettings().settings,
    },
    cloudKey: (name) => keys.get(name),
    log,
  });
  const { conversations, conversationHistory, requests, router, learning, compression } = services;

  let demo: Demo | undefined;
  let routing: Routing;
  const statusBar = new NodeStatusBar();
  const files = new FileIndex();
  const workspaceKey = workspaceId();

  const chat = new ChatViewProvider(context.extensionUri, {
    routing: () => routing,
    conversations,
    history: conversationHistory,
    feedback: learning.feedback,
    saveNow: () => store.flush(),
    workspaceKey,
    files,
    mentionPicked: (path) => warmer.mentionPicked(path),
    log,
    status: () => {
      const nodes = routing.nodes.list();
      return {
        healthyNodes: nodes.filter((n) => n.healthy).length,
        totalNodes: nodes.length,
        cloudConfigured: currentConfig().cloudProviders.length > 0,
        localOnly: currentConfig().privacy.localOnly,
        demo: !!demo,
      };
    },
  });

  const currentConfig = (): SingularityConfig => demo?.config ?? readConfig().config;

  /** (Re)builds routing from settings (or the demo), probes the nodes, and updates status bar and panel. */
  const rebuild = async (): Promise<void> => {
    routing?.nodes.stopPolling();
    const { config, problems } = demo ? { config: demo.config, problems: [] } : readConfig();
    for (const p of problems) {
      log.warn(p);
      void vscode.window.showWarningMessage(`Singularity settings: ${p}`);
    }
    for (const p of demo ? [] : [...readRouterSettings().problems, ...readQualitySettings().problems, ...readContextSettings().problems, ...readVisionSettings().problems]) log.warn(p);
    routing = services.routing(config);
    const current = routing;
    current.pool.onChange(() => {
      statusBar.update(current.pool.load(), current.pool.waiting, !!demo);
      chat.postStatus();
    });
    statusBar.update(current.pool.load(), current.pool.waiting, !!demo);
    await routing.nodes.refresh();
    routing.nodes.startPolling(HEALTH_INTERVAL_MS);
  };

  const enterDemo = async (): Promise<void> => {
    if (demo) return;
    demo = await startDemo();
    log.info('Demo mode: simulated nodes started on 127.0.0.1 (answers are simulated, not from a real model).');
    await rebuild();
    void vscode.window.showInformationMessage('Singularity demo mode: answers come from SIMULATED nodes, not a real model.');
  };

  routing = services.routing(currentConfig());
  const warmer = new ContextWarmer({
    compression,
    privacy: () => currentConfig().privacy,
    cloudConfigured: () => currentConfig().cloudProviders.length > 0,
    show: (info) => chat.showActiveContext(info),
    log,
  });
  context.subscriptions.push(
    channel,
    statusBar,
    files,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSingularity(e) && !demo) void rebuild();
    }),
    ...registerCommands({ chat, keys, log: channel, enterDemo }),
    ...registerBatchCommands({ routing: () => routing, log }),
    ...registerDashboard({ extensionUri: context.extensionUri, routing: () => routing, requests, router, isDemo: () => !!demo, prices: cloudPrices, log }),
    ...registerRouterCommands({ router, log }),
    ...registerExampleCommands(learning.examples),
    ...registerVisionCommands(chat, log),
    ...registerProxyCommands(new ProxyController(context.secrets, () => routing.deps, log), log),
    ...registerModelPicker(() => routing.deps, log),
    warmer,
  );

  // The store is saved first: the window may be closing and nothing else here holds user data.
  disposeAll = async () => {
    routing.nodes.stopPolling();
    await store.close();
    await Promise.allSettled([services.dispose(), demo?.stop()]);
  };

  // Probing nodes can take seconds (an unreachable LAN node waits for its timeout): activation does not wait.
  void rebuild().then(() => offerDemoIfNoNode(routing, enterDemo));
}

/** With no reachable node, a newcomer is offered the demo (or it starts directly when configured so). */
async function offerDemoIfNoNode(routing: Routing, enterDemo: () => Promise<void>): Promise<void> {
  if (routing.nodes.list().some((n) => n.healthy)) return;
  const setting = process.env.SINGULARITY_DEMO === '1' ? 'always' : demoSetting();
  if (setting === 'never') return;
  if (setting === 'always') return enterDemo();
  void vscode.window
    .showInformationMessage(
      'Singularity: no Ollama node is reachable. Start a demo with simulated nodes, or add your Ollama node?',
      'Start Demo',
      'Add Ollama Node',
    )
    .then((choice) => {
      if (choice === 'Start Demo') void enterDemo();
      if (choice === 'Add Ollama Node') void vscode.commands.executeCommand('singularity.addOllamaNode');
    });
}

/** A stable key per workspace (its folders), so each project keeps its own chat history. */
function workspaceId(): string {
  const folders = vscode.workspace.workspaceFolders?.map((f) => f.uri.toString()) ?? [];
  return folders.length === 0 ? 'no-workspace' : createHash('sha256').update(folders.join('\n')).digest('hex').slice(0, 16);
}

export async function deactivate(): Promise<void> {
  await disposeAll?.();
}

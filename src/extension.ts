import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Routing, type ServiceOptions } from './core/app';
import { ActiveServices } from './core/activeServices';
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
import { CloudKeyHealth } from './core/providers/keyHealth';
import { CloudKeyStatusBar, NodeStatusBar } from './vscode/statusBar';
import { watchCloudKeys } from './vscode/cloudKeyAlerts';
import { FileIndex } from './vscode/context';
import { registerCommands } from './vscode/commands';
import { registerBatchCommands } from './vscode/batch';
import { DemoMode } from './vscode/demoMode';
import { registerDashboard } from './vscode/dashboard';
import { registerDataCommands } from './vscode/dataCommands';

/** How often nodes are re-probed; failures trigger an immediate probe in between. */
const HEALTH_INTERVAL_MS = 30_000;

let disposeAll: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('Singularity', { log: true });
  const log = channelLogger(channel);
  const keys = new CloudKeys(context.secrets);

  mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
  // Opening reads the whole file (hundreds of MB after a year of use) in the store's worker: activation does not
  // wait for it; whatever needs the store waits inside it.
  const { store, opened } = Store.opening({
    file: join(context.globalStorageUri.fsPath, 'singularity.db'),
    log,
    onWarning: (w) => void vscode.window.showWarningMessage(w),
  });
  opened.then(
    (warnings) => {
      for (const w of warnings) {
        log.warn(w);
        void vscode.window.showWarningMessage(w);
      }
    },
    (err: Error) => {
      log.error(`Opening the database failed: ${err.message}`);
      void vscode.window.showErrorMessage(`Singularity cannot open its database: ${err.message}`);
    },
  );
  const shippedRouter = context.asAbsolutePath(join('models', 'router.onnx'));
  // The user's keys are the same in a demo: one record of which the cloud refused.
  const keyHealth = new CloudKeyHealth();
  const serviceOptions = (on: Store, routerModels: ServiceOptions['routerModels']): ServiceOptions => ({
    store: on,
    routerModels,
    gateModelPath: context.asAbsolutePath(join('models', 'gate.json')),
    settings: {
      router: () => readRouterSettings().settings,
      quality: () => readQualitySettings().settings,
      context: () => readContextSettings().settings,
      vision: () => readVisionSettings().settings,
    },
    cloudKey: (name) => keys.get(name),
    keyHealth,
    log,
  });
  // A demo's services keep no retrained router: it routes with the shipped model and saves none.
  const active = new ActiveServices(
    createServices(serviceOptions(store, { shipped: shippedRouter, dir: join(context.globalStorageUri.fsPath, 'models') })),
    (demoStore) => createServices(serviceOptions(demoStore, { shipped: shippedRouter })),
  );
  const services = () => active.current();

  let routing: Routing;
  const statusBar = new NodeStatusBar();
  const keyStatusBar = new CloudKeyStatusBar();
  const files = new FileIndex();
  const workspaceKey = workspaceId();

  const chat = new ChatViewProvider(context.extensionUri, {
    routing: () => routing,
    conversations: () => services().conversations,
    history: () => services().conversationHistory,
    feedback: () => services().learning.feedback,
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
        demo: demoMode.active,
        rejectedKeys: keyHealth.list(),
      };
    },
  });

  const currentConfig = (): SingularityConfig => demoMode.config ?? readConfig().config;

  /** (Re)builds routing from settings (or the demo), probes the nodes, and updates status bar and panel. */
  const rebuild = async (): Promise<void> => {
    routing?.nodes.stopPolling();
    const demo = demoMode.config;
    const { config, problems } = demo ? { config: demo, problems: [] } : readConfig();
    for (const p of problems) {
      log.warn(p);
      void vscode.window.showWarningMessage(`Singularity settings: ${p}`);
    }
    for (const p of demo ? [] : [...readRouterSettings().problems, ...readQualitySettings().problems, ...readContextSettings().problems, ...readVisionSettings().problems]) log.warn(p);
    routing = services().routing(config);
    const current = routing;
    current.pool.onChange(() => {
      statusBar.update(current.pool.load(), current.pool.waiting, !!demo);
      chat.postStatus();
    });
    statusBar.update(current.pool.load(), current.pool.waiting, !!demo);
    await routing.nodes.refresh();
    routing.nodes.startPolling(HEALTH_INTERVAL_MS);
  };

  const switched = new vscode.EventEmitter<void>();
  switched.event(() => chat.servicesChanged());
  const demoMode = new DemoMode({ services: active, rebuild, switched: () => switched.fire(), configuredNodes: () => readConfig().config.nodes, pollMs: HEALTH_INTERVAL_MS, log });
  const enterDemo = () => demoMode.start();

  routing = services().routing(currentConfig());
  const warmer = new ContextWarmer({
    compression: () => services().compression,
    privacy: () => currentConfig().privacy,
    cloudConfigured: () => currentConfig().cloudProviders.length > 0,
    show: (info) => chat.showActiveContext(info),
    log,
  });
  context.subscriptions.push(
    channel,
    switched,
    statusBar,
    keyStatusBar,
    ...watchCloudKeys({
      health: keyHealth,
      keys,
      showRejections: () => {
        keyStatusBar.update(keyHealth.list());
        chat.postStatus();
      },
    }),
    files,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsSingularity(e)) return;
      if (!demoMode.active) void rebuild();
      else if (e.affectsConfiguration('singularity.nodes')) void demoMode.stop('because Ollama nodes were configured');
    }),
    ...registerCommands({ chat, keys, log: channel, enterDemo, stopDemo: () => demoMode.stop('by command') }),
    ...registerBatchCommands({ routing: () => routing, workspaceKey, log }),
    ...registerDashboard({
      extensionUri: context.extensionUri,
      routing: () => routing,
      requests: () => services().requests,
      router: () => services().router,
      servicesChanged: switched.event,
      isDemo: () => demoMode.active,
      prices: cloudPrices,
      log,
    }),
    ...registerDataCommands({ store, cleared: () => switched.fire(), log }),
    ...registerRouterCommands({ router: () => services().router, log }),
    ...registerExampleCommands(() => services().learning.examples, workspaceKey),
    ...registerVisionCommands(chat, log),
    ...registerProxyCommands(new ProxyController(context.secrets, () => routing.deps, log), log),
    ...registerModelPicker(() => routing.deps, log),
    warmer,
  );

  const warming = new AbortController();
  // The store is saved first: the window may be closing and nothing else here holds user data.
  disposeAll = async () => {
    warming.abort();
    routing.nodes.stopPolling();
    await store.close();
    await demoMode.close();
    await services().dispose();
  };

  // Probing nodes can take seconds (an unreachable LAN node waits for its timeout): activation does not wait.
  // Once they answered, what the first question would load (the router's model, the gate) loads in idle time.
  void rebuild().then(() => {
    void services().warmUp(routing, { signal: warming.signal });
    return offerDemoIfNoNode(routing, enterDemo);
  });
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

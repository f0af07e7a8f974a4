// End-to-end harness: the built extension (project root, main dist/extension.js; run `npm run build` first)
// in code-server 4.100.3 (VS Code 1.100.3), driven by Debian Chromium through playwright-core.
// Prerequisite: `node scripts/e2e-setup.mjs` (npm run test:e2e does it). See docs in shared/docs/vscode-e2e.md.
//
//   const editor = await launchEditor({ env: { OLLAMA_HOST: url }, workspaceFiles: { 'a.ts': 'let x = 1;\n' } });
//   await editor.runCommand('Singularity: Open Chat');
//   const chat = await editor.chatFrame();
//   await chat.locator('#messages').waitFor();
//   await editor.close(); // in afterAll, also after failures
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { findExtensionLogs, removeRunDir, startCodeServer, type CodeServer } from '../../scripts/codeServer.mjs';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifactsDir = join(projectRoot, 'test-results', 'e2e');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-crash-reporter',
  '--disable-breakpad',
];
const WORKBENCH_TIMEOUT_MS = 60_000;
/** The activity bar tab of the extension's view container (package.json contributes.viewsContainers). */
const ACTIVITY_TAB = /Singularity/;
/** CSS class of the tab's icon, derived from the container id (workbench.view.extension.singularity). */
const ACTIVITY_ICON_CLASS = 'activity-workbench-view-extension-singularity';

export interface LaunchOptions {
  /** Added to code-server's environment; reaches the extension host. */
  env?: Record<string, string | undefined>;
  /** Merged into the user settings (RUN/ud/User/settings.json), e.g. { 'singularity.nodes': [...] }. */
  settings?: Record<string, unknown>;
  /** Files of the temp workspace, path relative to it -> content. Default: { 'README.md': ... } (the explorer needs a row). */
  workspaceFiles?: Record<string, string | Buffer>;
  /** Prefix of artifacts written on close (test-results/e2e/<name>.extension.log, <name>.code-server.log). Default 'editor'. */
  name?: string;
  /** Extension folder to install. Default: the project root (or $SINGULARITY_E2E_EXTENSION_DIR). */
  extensionDir?: string;
  /** Wait until the extension's activity bar tab is shown (its contributions are registered). Default true. */
  waitForExtension?: boolean;
}

export interface EditorTimings {
  /** launchEditor() call -> code-server answers HTTP. */
  serverMs: number;
  /** -> `.part.statusbar` and the explorer's first row are shown. */
  workbenchMs: number;
  /** -> the extension's activity bar tab is shown (0 when waitForExtension is false). */
  extensionMs: number;
}

export interface Editor {
  page: Page;
  context: BrowserContext;
  server: CodeServer;
  url: string;
  runDir: string;
  workspaceDir: string;
  timings: EditorTimings;
  /** Runs a command by its palette title, category included: 'Singularity: Open Chat'. */
  runCommand(title: string): Promise<void>;
  /** Palette labels for `'>' + query` (closes the palette again). With `waitFor`, first waits for that exact label (throws if absent). */
  listCommands(query: string, waitFor?: string): Promise<string[]>;
  /** Shows the Singularity view container (clicks its activity bar tab unless already selected). */
  openChatView(): Promise<void>;
  /** The content frame of the webview whose `iframe#active-frame` contains `selector` (webviews are unlabeled). */
  webviewFrame(selector: string, timeoutMs?: number): Promise<FrameLocator>;
  /** The chat webview's content frame: the one containing `#messages`. */
  chatFrame(timeoutMs?: number): Promise<FrameLocator>;
  /** Writes test-results/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Reloads the browser window and waits for the workbench (status bar) and the extension's tab again. */
  reload(): Promise<void>;
  /** The extension's output channel logs so far. */
  logs(): string;
  /** Browser console errors and page errors so far (webviews included). */
  consoleErrors(): string[];
  /** Closes the browser, stops code-server, saves logs to test-results/e2e, removes the temp folders. Idempotent. */
  close(): Promise<void>;
}

/** Types a question into the chat panel's composer and sends it (Enter), as a user does. */
export async function sendInChat(chat: FrameLocator, text: string): Promise<void> {
  await chat.locator('#input').fill(text);
  await chat.locator('#input').press('Enter');
}

/** Opens the chat panel and waits until its status line shows `status` (e.g. '1/1 nodes'): the nodes were probed. */
export async function openChatShowing(editor: Editor, status: string): Promise<FrameLocator> {
  await editor.openChatView();
  const chat = await editor.chatFrame();
  await chat.locator('#status').filter({ hasText: status }).waitFor();
  return chat;
}

/** Stores a cloud provider's key the way a user does: the palette command, the provider, the password box. */
export async function setCloudKey(editor: Editor, provider: string, key: string): Promise<void> {
  const { page } = editor;
  await editor.runCommand('Singularity: Set Cloud API Key');
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: provider }).click();
  await page.locator('.quick-input-widget input[type="password"]').waitFor();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.locator('.notification-toast').filter({ hasText: `API key for ${provider} saved` }).waitFor();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function launchEditor(options: LaunchOptions = {}): Promise<Editor> {
  const t0 = Date.now();
  const name = options.name ?? 'editor';
  const keep = process.env.SINGULARITY_E2E_KEEP === '1';
  const extensionDir = options.extensionDir ?? process.env.SINGULARITY_E2E_EXTENSION_DIR ?? projectRoot;
  const waitForExtension = options.waitForExtension ?? true;

  const workspaceDir = mkdtempSync(join(tmpdir(), 'singularity-ws-'));
  const files = options.workspaceFiles && Object.keys(options.workspaceFiles).length > 0
    ? options.workspaceFiles
    : { 'README.md': '# Singularity e2e workspace\n' };
  for (const [rel, content] of Object.entries(files)) {
    const file = join(workspaceDir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const runDir = mkdtempSync(join(tmpdir(), 'singularity-e2e-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'singularity-chromium-'));

  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let closed = false;
  const errors: string[] = [];

  const close = async () => {
    if (closed) return;
    closed = true;
    await context?.close().catch(() => undefined);
    await server?.stop();
    try {
      mkdirSync(artifactsDir, { recursive: true });
      writeFileSync(join(artifactsDir, `${name}.extension.log`), findExtensionLogs(runDir));
      if (server) writeFileSync(join(artifactsDir, `${name}.code-server.log`), readText(server.logFile));
    } catch {
      /* artifacts are best effort */
    }
    if (keep) {
      console.log(`[e2e] kept ${runDir} (code-server run), ${workspaceDir} (workspace), ${profileDir} (browser profile)`);
    } else {
      removeRunDir(runDir);
      for (const d of [workspaceDir, profileDir]) rmSync(d, { recursive: true, force: true });
    }
  };

  try {
    server = await startCodeServer({ extensionDir, workspaceDir, runDir, env: options.env, settings: options.settings });
    const serverMs = Date.now() - t0;

    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
      // Chromium's crash database and caches go under XDG_CONFIG_HOME / XDG_CACHE_HOME: keep them out of $HOME.
      env: { ...process.env, XDG_CONFIG_HOME: join(profileDir, 'xdg-config'), XDG_CACHE_HOME: join(profileDir, 'xdg-cache') },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));

    const waitForWorkbench = async (explorer: boolean) => {
      await page.waitForSelector('.part.statusbar', { timeout: WORKBENCH_TIMEOUT_MS });
      // After a reload the side bar shows whatever view was open before, not necessarily the explorer.
      if (explorer) await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: WORKBENCH_TIMEOUT_MS });
    };
    // After a reload the activity bar first shows a cached placeholder tab (no icon) until the extension's view
    // container is registered again: only the tab with the container's icon class counts.
    const activityTab = () =>
      page.getByRole('tab', { name: ACTIVITY_TAB }).filter({ has: page.locator(`a.action-label[class*="${ACTIVITY_ICON_CLASS}"]`) });
    const waitForExtensionTab = async () => {
      if (waitForExtension) await activityTab().waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
    };

    await page.goto(server.url);
    await waitForWorkbench(true);
    const workbenchMs = Date.now() - t0;
    await waitForExtensionTab();
    const extensionMs = waitForExtension ? Date.now() - t0 : 0;

    const quickInput = page.locator('.quick-input-widget');
    const quickInputBox = quickInput.locator('.quick-input-box input');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    const rowLabelled = (label: string) =>
      rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();

    const openPalette = async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        // A webview that just opened may hold the focus and swallow F1: give the focus back to the workbench.
        if (attempt > 0) await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await page.keyboard.press('F1');
        try {
          await quickInput.waitFor({ state: 'visible', timeout: 2_000 });
          return;
        } catch {
          /* retry */
        }
      }
      throw new Error('the command palette did not open (F1)');
    };
    const paletteLabels = () => rows.locator('.label-name').allTextContents();

    const runCommand = async (title: string) => {
      await openPalette();
      const query = `>${title}`;
      await quickInputBox.fill(query);
      const row = rowLabelled(title);
      try {
        await row.waitFor({ timeout: 10_000 });
      } catch {
        const shown = await paletteLabels();
        await page.keyboard.press('Escape');
        throw new Error(`command "${title}" is not in the palette; shown: ${JSON.stringify(shown)}`);
      }
      if ((await row.getAttribute('class'))?.split(' ').includes('focused')) await page.keyboard.press('Enter');
      else await row.click();
      // Done when the palette closed or shows something else (a command may open its own quick input).
      await page.waitForFunction(
        (q) => {
          const widget = document.querySelector<HTMLElement>('.quick-input-widget');
          const input = widget?.querySelector<HTMLInputElement>('.quick-input-box input');
          return !widget || widget.style.display === 'none' || widget.offsetParent === null || input?.value !== q;
        },
        query,
        { timeout: 10_000 },
      );
    };

    const listCommands = async (query: string, waitFor?: string) => {
      await openPalette();
      await quickInputBox.fill(`>${query}`);
      try {
        if (waitFor) await rowLabelled(waitFor).waitFor({ timeout: 10_000 });
        else await rows.first().waitFor({ timeout: 10_000 });
        return await paletteLabels();
      } catch {
        throw new Error(`"${waitFor ?? query}" is not in the palette; shown: ${JSON.stringify(await paletteLabels())}`);
      } finally {
        await page.keyboard.press('Escape');
        await quickInput.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
      }
    };

    const openChatView = async () => {
      const tab = activityTab();
      await tab.waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
      for (let attempt = 0; ; attempt++) {
        // Clicking the selected tab would hide the side bar. The workbench may also restore the container by itself
        // just as we click (toggling it closed again): check, and click again if needed.
        if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
        try {
          await tab.and(page.locator('[aria-selected="true"]')).waitFor({ timeout: 3_000 });
          return;
        } catch (err) {
          if (attempt >= 2) throw err;
        }
      }
    };

    const webviewFrame = async (selector: string, timeoutMs = 30_000): Promise<FrameLocator> => {
      const deadline = Date.now() + timeoutMs;
      const webviews = page.locator('iframe.webview.ready');
      const content = (frameName: string) =>
        page.locator(`iframe.webview[name="${frameName}"]`).contentFrame().locator('iframe#active-frame').contentFrame();
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no webview with ${selector} within ${timeoutMs} ms`);
        await webviews.first().waitFor({ state: 'attached', timeout: remaining });
        const names = (await webviews.evaluateAll((els) => els.map((e) => e.getAttribute('name') ?? ''))).filter(Boolean);
        try {
          // Each round waits at most 2 s, then looks again for webviews that appeared meanwhile.
          const found = await Promise.any(
            names.map(async (n) => {
              await content(n).locator(selector).waitFor({ state: 'attached', timeout: Math.max(1, Math.min(2_000, remaining)) });
              return n;
            }),
          );
          return content(found);
        } catch {
          /* not there yet */
        }
      }
    };

    const screenshot = async (shot: string) => {
      mkdirSync(artifactsDir, { recursive: true });
      const path = join(artifactsDir, `${shot}.png`);
      await page.screenshot({ path });
      return path;
    };

    const reload = async () => {
      await page.reload();
      await waitForWorkbench(false);
      await waitForExtensionTab();
    };

    return {
      page,
      context,
      server,
      url: server.url,
      runDir,
      workspaceDir,
      timings: { serverMs, workbenchMs, extensionMs },
      runCommand,
      listCommands,
      openChatView,
      webviewFrame,
      chatFrame: (timeoutMs?: number) => webviewFrame('#messages', timeoutMs),
      screenshot,
      reload,
      logs: () => findExtensionLogs(runDir),
      consoleErrors: () => [...errors],
      close,
    };
  } catch (err) {
    const page = context?.pages()[0];
    if (page) {
      mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: join(artifactsDir, `${name}.launch-failure.png`) }).catch(() => undefined);
    }
    const serverLog = server ? readText(server.logFile).slice(-3_000) : '';
    await close();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`launchEditor failed: ${message}${serverLog ? `\ncode-server log (tail):\n${serverLog}` : ''}`, { cause: err });
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

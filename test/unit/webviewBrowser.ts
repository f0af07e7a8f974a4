// A webview page in a real Chromium, without VS Code: the page's bundle is built with esbuild.mjs's
// options, served from 127.0.0.1 inside the production template (same markup, same CSP), and
// acquireVsCodeApi is stubbed so posted messages can be read and host messages dispatched.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PageAssets } from '../../src/vscode/webviewPage';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';
const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', ttf: 'font/ttf' };

/** Stand-in for VS Code's webview API, with CSP violations and errors captured; state survives a reload like getState. */
const STUB_SCRIPT = `
  window.__posted = [];
  window.__csp = [];
  window.__errors = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__csp.push(e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber));
  window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => JSON.parse(sessionStorage.getItem('state') ?? 'null') ?? undefined,
    setState: (state) => sessionStorage.setItem('state', JSON.stringify(state)),
  });`;

export interface WebviewUnderTest {
  origin: string;
  /** Every path the page requested from the server, to prove hostile content fetched nothing. */
  requestedPaths: string[];
  /** Console messages about the Content Security Policy. */
  cspConsoleErrors: string[];
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export interface WebviewOptions {
  /** Page name: webview/<name>/main.ts and webview/<name>/<name>.css. */
  name: string;
  template: (assets: PageAssets) => string;
  /** CSS standing in for the theme variables VS Code injects. */
  themeStyle: string;
  bodyClass?: string;
}

export async function startWebview(options: WebviewOptions): Promise<WebviewUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `${options.name}-webview-`));
  await build(options.name, dir);
  const requestedPaths: string[] = [];
  const cspConsoleErrors: string[] = [];
  let origin = '';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    requestedPaths.push(path);
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(testPage(options, origin));
      return;
    }
    const asset = /^\/assets\/([\w.-]+)$/.exec(path)?.[1];
    try {
      const body = readFileSync(join(dir, asset ?? '\0'));
      response.writeHead(200, { 'content-type': CONTENT_TYPES[asset!.split('.').pop()!] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    origin,
    requestedPaths,
    cspConsoleErrors,
    async newPage(viewport) {
      const page = await browser.newPage({ viewport });
      page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) cspConsoleErrors.push(message.text());
      });
      await page.goto(`${origin}/`);
      return page;
    },
    async close() {
      await browser.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function build(name: string, dir: string): Promise<void> {
  // Same options as esbuild.mjs, but only this webview, so the test does not depend on the host code building.
  const common = { absWorkingDir: ROOT, bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', minify: true } as const;
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [`webview/${name}/main.ts`], outfile: join(dir, `${name}.js`), platform: 'browser', format: 'iife', target: 'es2022' }),
    esbuild.build({ ...common, entryPoints: [`webview/${name}/${name}.css`], outfile: join(dir, `${name}.css`), loader: { '.ttf': 'file' } }),
  ]);
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(join(ROOT, 'node_modules/@vscode/codicons/dist', file), join(dir, file));
}

/** The production page, plus the API stub and theme variables, both nonce'd exactly as the CSP demands. */
function testPage(options: WebviewOptions, origin: string): string {
  const html = options.template({
    cspSource: origin,
    nonce: NONCE,
    scriptUri: `${origin}/assets/${options.name}.js`,
    codiconUri: `${origin}/assets/codicon.css`,
    styleUri: `${origin}/assets/${options.name}.css`,
  });
  const injected = `<style nonce="${NONCE}">${options.themeStyle}</style><script nonce="${NONCE}">${STUB_SCRIPT}</script>`;
  const page = html.replace('</head>', `${injected}</head>`);
  return options.bodyClass ? page.replace('<body>', `<body class="${options.bodyClass}">`) : page;
}

/** What the page's script posted to the host so far (the stubbed API records it). */
export function postedBy<M>(page: Page): Promise<M[]> {
  return page.evaluate(() => (window as unknown as { __posted: M[] }).__posted);
}

/** Delivers a message to the page as the extension's webview.postMessage does. */
export async function deliver(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

/**
 * One server for the test file and a fresh page for each test, handed over once its script posted 'ready'.
 * Read `page` inside a test (it changes from test to test).
 */
export function pagePerTest(options: WebviewOptions, viewport: { width: number; height: number }): { readonly page: Page } {
  let served: WebviewUnderTest | undefined;
  let current: Page | undefined;
  beforeAll(async () => void (served = await startWebview(options)), 60_000);
  afterAll(() => served?.close());
  beforeEach(async () => {
    await current?.close();
    current = await served!.newPage(viewport);
    const ready = current;
    await expect.poll(() => postedBy(ready)).toContainEqual({ type: 'ready' });
  });
  return {
    get page(): Page {
      if (!current) throw new Error('pagePerTest: the page exists only inside a test');
      return current;
    },
  };
}

/** Where a screenshot for people to look at goes: test-results/<file>. */
export function artifactPath(file: string): string {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  return join(ROOT, 'test-results', file);
}

/** A few Dark Modern colours, standing in for the variables VS Code injects, so the screenshot looks real. */
export const CHAT_THEME_STYLE = `
  html {
    --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-font-weight: normal;
    --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
    --vscode-foreground: #cccccc; --vscode-sideBar-background: #181818; --vscode-descriptionForeground: #9d9d9d;
    --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
    --vscode-focusBorder: #0078d4; --vscode-textCodeBlock-background: #2b2b2b; --vscode-textLink-foreground: #4daafc;
    --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff;
    --vscode-statusBarItem-warningBackground: #7a6400; --vscode-statusBarItem-warningForeground: #ffffff;
    --vscode-editorSuggestWidget-background: #202020; --vscode-editorSuggestWidget-border: #454545;
    --vscode-editorSuggestWidget-selectedBackground: #04395e; --vscode-errorForeground: #f85149;
    --vscode-debugTokenExpression-boolean: #4e94ce; --vscode-debugTokenExpression-string: #ce9178;
    --vscode-debugTokenExpression-number: #b5cea8; --vscode-symbolIcon-functionForeground: #b180d7;
  }`;

// The frame every Singularity webview page shares: strict CSP, codicons, the page's stylesheet and its
// script. Pure (vscode is imported for types only), so browser tests serve the exact markup and CSP
// without VS Code; `pageAssets` is the thin part that asks the webview for its resource URIs.

import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export interface PageAssets {
  /** webview.cspSource: the origin the webview's own resources are served from. */
  cspSource: string;
  /** Fresh per page load; only scripts/styles carrying it may run. */
  nonce: string;
  scriptUri: string;
  codiconUri: string;
  styleUri: string;
}

/**
 * No 'unsafe-inline' / 'unsafe-eval': pages show model output. lit (vscode-elements) styles its shadow
 * roots with constructable stylesheets and uPlot sizes elements through the CSSOM (element.style.x = …);
 * style-src restricts neither. img-src data: is for the codicon and uPlot stylesheets.
 */
export function webviewPage(assets: PageAssets, title: string, body: string): string {
  const { cspSource, nonce } = assets;
  const csp = [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(csp)};">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(assets.codiconUri)}" nonce="${attr(nonce)}">
  <link rel="stylesheet" href="${attr(assets.styleUri)}" nonce="${attr(nonce)}">
  <title>${title}</title>
</head>
<body>${body}
  <script nonce="${attr(nonce)}" src="${attr(assets.scriptUri)}"></script>
</body>
</html>`;
}

/** The resource URIs of page `name` (dist/webview/<name>.js and .css) for this webview, with a fresh nonce. */
export function pageAssets(webview: vscode.Webview, extensionUri: vscode.Uri, name: string): PageAssets {
  const asset = (file: string) => webview.asWebviewUri(childUri(extensionUri, 'dist', 'webview', file)).toString();
  return {
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    scriptUri: asset(`${name}.js`),
    codiconUri: asset('codicon.css'),
    styleUri: asset(`${name}.css`),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Like vscode.Uri.joinPath, which would need the vscode module at runtime rather than just its types. */
function childUri(base: vscode.Uri, ...segments: string[]): vscode.Uri {
  return base.with({ path: [base.path.replace(/\/+$/, ''), ...segments].join('/') });
}

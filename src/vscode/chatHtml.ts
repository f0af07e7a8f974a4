// Builds the chat webview's HTML for the host. Only vscode types are imported, so this stays cheap to load.

import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';
import { chatHtmlTemplate } from './chatHtmlTemplate';

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const asset = (file: string) => webview.asWebviewUri(childUri(extensionUri, 'dist', 'webview', file)).toString();
  return chatHtmlTemplate({
    cspSource: webview.cspSource,
    nonce,
    scriptUri: asset('chat.js'),
    codiconUri: asset('codicon.css'),
    styleUri: asset('chat.css'),
  });
}

/** A CSP nonce: 128 random bits, base64. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Like vscode.Uri.joinPath, which would need the vscode module at runtime rather than just its types. */
function childUri(base: vscode.Uri, ...segments: string[]): vscode.Uri {
  return base.with({ path: [base.path.replace(/\/+$/, ''), ...segments].join('/') });
}

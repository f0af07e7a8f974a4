// The chat webview's page, as a pure function so the browser test can serve the exact same markup and
// CSP without VS Code. The element ids here are the contract with webview/chat/main.ts and the e2e tests.

export interface ChatHtmlParams {
  /** webview.cspSource: the origin the webview's own resources are served from. */
  cspSource: string;
  /** Fresh per page load; only scripts/styles carrying it may run. */
  nonce: string;
  scriptUri: string;
  codiconUri: string;
  styleUri: string;
}

export function chatHtmlTemplate({ cspSource, nonce, scriptUri, codiconUri, styleUri }: ChatHtmlParams): string {
  // No 'unsafe-inline' / 'unsafe-eval': answers are model output. lit (vscode-elements) styles its
  // shadow roots with constructable stylesheets, which style-src does not restrict.
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
  <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(codiconUri)}" nonce="${attr(nonce)}">
  <link rel="stylesheet" href="${attr(styleUri)}" nonce="${attr(nonce)}">
  <title>Singularity</title>
</head>
<body>
  <header class="header">
    <span id="status" class="status" role="status">Connecting…</span>
    <vscode-button id="new-chat" secondary icon="add" title="Start a new chat">New chat</vscode-button>
  </header>
  <div id="demo-badge" class="demo-badge" title="No Ollama node is reachable; answers come from simulated nodes." hidden>DEMO — simulated nodes</div>
  <main id="messages"></main>
  <footer class="composer">
    <div id="mentions" role="listbox" aria-label="Files" hidden></div>
    <textarea id="input" rows="1" aria-label="Message" aria-controls="mentions"
      placeholder="Ask Singularity… (@ to mention a file, Shift+Enter for a new line)"></textarea>
    <div class="composer-actions">
      <label class="context-toggle"><input type="checkbox" id="include-context"> Include selection / active file</label>
      <vscode-button id="send" icon="send" title="Send (Enter)">Send</vscode-button>
      <vscode-button id="stop" icon="debug-stop" title="Stop the answer" hidden>Stop</vscode-button>
    </div>
  </footer>
  <script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

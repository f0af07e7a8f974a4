// The chat webview's page body. The element ids here are the contract with webview/chat/main.ts and the
// e2e tests; the frame (CSP, styles, script) is webviewPage's.

import { webviewPage, type PageAssets } from './webviewPage';

export function chatHtmlTemplate(assets: PageAssets): string {
  return webviewPage(assets, 'Singularity', `
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
  </footer>`);
}

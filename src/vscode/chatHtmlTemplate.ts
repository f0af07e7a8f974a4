// The chat webview's page body. The element ids here are the contract with webview/chat/main.ts and the
// e2e tests; the frame (CSP, styles, script) is webviewPage's.

import { webviewPage, type PageAssets } from './webviewPage';

export function chatHtmlTemplate(assets: PageAssets): string {
  return webviewPage(assets, 'Singularity', `
  <header class="header">
    <span id="status" class="status" role="status">Connecting…</span>
    <vscode-button id="history-button" secondary icon="history" title="History: earlier conversations of this workspace" aria-label="History" aria-pressed="false"></vscode-button>
    <vscode-button id="new-chat" secondary icon="add" title="Start a new chat">New chat</vscode-button>
  </header>
  <section id="history-pane" class="history-pane" aria-label="Conversation history" hidden>
    <input id="history-search" class="history-search" type="search" aria-label="Search conversations" placeholder="Search titles and messages">
    <ul id="history-list" class="history-list" aria-label="Conversations"></ul>
    <p id="history-empty" class="history-empty" hidden></p>
  </section>
  <div id="demo-badge" class="demo-badge" title="No Ollama node is reachable; answers come from simulated nodes." hidden>DEMO — simulated nodes</div>
  <main id="messages"></main>
  <footer class="composer">
    <div id="mentions" role="listbox" aria-label="Files" hidden></div>
    <div id="attachments" class="attachments" hidden>
      <div id="attachment-list" class="attachment-list" aria-label="Attached images"></div>
      <label class="image-mode">Task <select id="image-mode" aria-label="What to do with the images">
        <option value="auto">From the question</option>
        <option value="error">Explain the error</option>
        <option value="describe">Describe diagram / UI</option>
        <option value="extract">Extract text / code</option>
      </select></label>
      <div id="attachment-notice" class="attachment-notice" role="alert" hidden></div>
    </div>
    <textarea id="input" rows="1" aria-label="Message" aria-controls="mentions"
      placeholder="Ask Singularity… (@ to mention a file, paste an image, Shift+Enter for a new line)"></textarea>
    <div class="composer-actions">
      <label class="context-toggle"><input type="checkbox" id="include-context"> <span id="active-context" class="active-context">Include selection / active file</span></label>
      <vscode-button id="send" icon="send" title="Send (Enter)">Send</vscode-button>
      <vscode-button id="stop" icon="debug-stop" title="Stop the answer" hidden>Stop</vscode-button>
    </div>
  </footer>`);
}

// The one handle on the VS Code webview API. acquireVsCodeApi may be called only once per page,
// so every module goes through this.

import type { WebviewMessage } from '../../src/shared/protocol';

/** What survives the view being hidden and shown again (the host resends the conversation). */
export interface ChatState {
  draft: string;
  includeContext: boolean;
}

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): ChatState | undefined;
  setState(state: ChatState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();

// The one handle on the VS Code webview API for the dashboard (acquireVsCodeApi may be called once per page).

import type { Period } from '../../src/core/metrics/types';
import type { DashboardWebviewMessage } from '../../src/shared/protocol';

/** What survives the panel being hidden or reloaded: the chosen period (the host resends the data). */
export interface DashboardState {
  period: Period;
}

interface VsCodeApi {
  postMessage(message: DashboardWebviewMessage): void;
  getState(): DashboardState | undefined;
  setState(state: DashboardState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();

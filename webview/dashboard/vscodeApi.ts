import type { Period } from '../../src/shared/dashboard';
import type { DashboardWebviewMessage } from '../../src/shared/protocol';
import { connect } from '../shared/vscodeApi';

/** What survives the panel being hidden or reloaded: the chosen period (the host resends the data). */
export interface DashboardState {
  period: Period;
}

export const vscode = connect<DashboardWebviewMessage, DashboardState>();

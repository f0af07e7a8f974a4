import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { Store } from '../core/store/db';
import { clearAllData } from '../core/store/clearData';
import { scheduleRetention } from '../core/store/retention';
import { guardedCommand } from './guardedCommand';
import { retentionPolicy } from './config';

/** The first retention pass waits until activation and the first requests are over. */
const FIRST_RETENTION_PASS_MS = 60_000;

export interface DataCommandDeps {
  /** The user's own database (not a demo's). */
  store: Store;
  /** The views that show recorded data re-read it (the chat's history, the dashboard). */
  cleared: () => void;
  log: Logger;
}

/** "Singularity: Clear All Data" and the retention pass that runs after activation and then daily. */
export function registerDataCommands({ store, cleared, log }: DataCommandDeps): vscode.Disposable[] {
  const retention = scheduleRetention(store, { policy: retentionPolicy, log, firstAfterMs: FIRST_RETENTION_PASS_MS });
  return [
    guardedCommand(
      'singularity.clearAllData',
      async () => {
        const choice = await vscode.window.showWarningMessage(
          'Delete all Singularity data?',
          {
            modal: true,
            detail:
              'Every recorded request, conversation, router training row, few-shot example, embedding and dashboard total is deleted from this machine. Settings and stored API keys stay. This cannot be undone.',
          },
          'Delete All Data',
        );
        if (choice !== 'Delete All Data') return;
        const deleted = await clearAllData(store);
        const total = Object.values(deleted).reduce((a, b) => a + b, 0);
        log.info(`Clear All Data: deleted ${total} rows (${Object.entries(deleted).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'})`);
        cleared();
        void vscode.window.showInformationMessage(`Singularity: deleted all data (${total} rows).`);
      },
      log,
    ),
    new vscode.Disposable(() => retention.dispose()),
  ];
}

import * as vscode from 'vscode';
import type { Logger } from '../core/log';

/** Registers a command whose failure is logged and shown to the user, never lost in an unhandled rejection. */
export function guardedCommand(id: string, run: (...args: unknown[]) => unknown, log: Logger): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      await run(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(`Singularity: ${message}`);
    }
  });
}

import * as vscode from 'vscode';
import { describeRetrain, type LearnedRouter } from '../core/router/learned';
import type { Logger } from '../core/log';

/** "Singularity: Retrain Router": retrains from the stored feedback now, with progress, and says what came of it. */
export function registerRouterCommands(deps: { router: () => LearnedRouter; log: Logger }): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('singularity.retrainRouter', async () => {
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Singularity: retraining the router from your feedback…' },
          () => deps.router().retrain(),
        );
        const message = `Singularity router: ${describeRetrain(result)}.`;
        void vscode.window.showInformationMessage(message);
        return result.kind;
      } catch (err) {
        deps.log.error(`Retrain Router: ${(err as Error).message}`);
        void vscode.window.showErrorMessage(`Singularity: retraining failed: ${(err as Error).message}`);
        return 'failed';
      }
    }),
  ];
}

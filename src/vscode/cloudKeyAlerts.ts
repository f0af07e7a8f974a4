// Tells the user when a cloud provider refuses its key: once per rejection, with the action that fixes it.
// The router falls over to a node when the cloud refuses, so the answer alone would never show it.

import * as vscode from 'vscode';
import type { CloudKeyHealth, KeyHealthChange } from '../core/providers/keyHealth';
import type { CloudKeys } from './config';

const SET_KEY = 'Set Cloud API Key';

export interface KeyAlertDeps {
  health: CloudKeyHealth;
  keys: CloudKeys;
  /** Redraws what shows the rejections (panel header, status bar). */
  showRejections(): void;
}

export function watchCloudKeys({ health, keys, showRejections }: KeyAlertDeps): vscode.Disposable[] {
  const stop = health.onChange((change) => {
    showRejections();
    if (change.rejected) notify(change);
  });
  // A new key may be good: the next cloud call will tell, and mark it again if not.
  const keySet = keys.onDidChange((provider) => health.cleared(provider));
  return [{ dispose: stop }, keySet];
}

function notify(change: Extract<KeyHealthChange, { rejected: true }>): void {
  void vscode.window
    .showWarningMessage(`Singularity: ${change.message} Meanwhile, requests routed to the cloud fall back to your nodes.`, SET_KEY)
    .then((choice) => {
      if (choice === SET_KEY) void vscode.commands.executeCommand('singularity.setCloudApiKey');
    });
}

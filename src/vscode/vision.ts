// The editor's image commands: "Explain Screenshot" on an image in the explorer (or one picked from the
// palette) asks about it in the panel; "Capture Screenshot" takes one with the system's tool and puts it
// in the composer.

import * as vscode from 'vscode';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log';
import { captureScreenshot } from '../core/vision/capture';
import { IMAGE_TYPES } from '../core/vision/image';
import type { ChatViewProvider } from './chatView';
import { fromAttachments, readImageFile } from './imageAttachments';
import { guardedCommand } from './guardedCommand';

export function registerVisionCommands(chat: ChatViewProvider, log: Logger): vscode.Disposable[] {
  const guarded = (id: string, run: (...args: unknown[]) => Promise<void>) => guardedCommand(id, run, log);
  return [
    guarded('singularity.explainScreenshot', async (clicked) => {
      const uri = clicked instanceof vscode.Uri ? clicked : await pickImage();
      if (!uri) return;
      await chat.ask('Explain this screenshot.', false, fromAttachments([await readImageFile(uri)]));
    }),
    guarded('singularity.captureScreenshot', async () => {
      const file = join(tmpdir(), `singularity-screenshot-${randomUUID()}.png`);
      const shot = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Singularity: select the area to capture…', cancellable: true },
        (_progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return captureScreenshot(file, controller.signal, vscode.env.remoteName);
        },
      );
      log.info(`Screenshot taken with ${shot.tool} (${shot.png.length} bytes)`);
      await chat.attachImages([{ name: 'screenshot.png', mimeType: 'image/png', base64: shot.png.toString('base64') }]);
    }),
  ];
}

async function pickImage(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Explain',
    filters: { Images: Object.keys(IMAGE_TYPES) },
  });
  return picked?.[0];
}

// Screenshots with the operating system's own tool: macOS screencapture (drag to select), Windows
// through PowerShell and .NET (the primary screen), Linux gnome-screenshot, grim (+ slurp), ImageMagick's
// import or scrot, whichever is installed. Choosing the tool is pure; running it is the edge.

import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface CaptureCommand {
  tool: string;
  cmd: string;
  args: string[];
}

export type CaptureChoice = { ok: true; command: CaptureCommand } | { ok: false; message: string };

/** The user picks a region, so the tool may wait for a while. */
const CAPTURE_TIMEOUT_MS = 120_000;

const LINUX_INSTALL_HINT =
  'No screenshot tool was found. Install one of: gnome-screenshot (GNOME), grim and slurp (Wayland, e.g. sway), ' +
  'imagemagick (its `import` command, X11) or scrot — e.g. `sudo apt install gnome-screenshot`.';

function powershellCapture(outFile: string): string {
  const path = outFile.replace(/'/g, "''");
  return [
    'Add-Type -AssemblyName System.Windows.Forms,System.Drawing',
    '$b = [System.Windows.Forms.Screen]::PrimaryScreen.Bounds',
    '$bmp = New-Object System.Drawing.Bitmap $b.Width, $b.Height',
    '[System.Drawing.Graphics]::FromImage($bmp).CopyFromScreen($b.Location, [System.Drawing.Point]::Empty, $b.Size)',
    `$bmp.Save('${path}', [System.Drawing.Imaging.ImageFormat]::Png)`,
  ].join('; ');
}

/** Which tool takes the screenshot on this platform, or what to install when none is there. */
export function chooseCapture(platform: NodeJS.Platform, has: (cmd: string) => boolean, outFile: string, wayland: boolean): CaptureChoice {
  if (platform === 'darwin') return { ok: true, command: { tool: 'screencapture', cmd: 'screencapture', args: ['-i', '-x', outFile] } };
  if (platform === 'win32') {
    const ps = has('pwsh') ? 'pwsh' : 'powershell';
    return { ok: true, command: { tool: 'PowerShell', cmd: ps, args: ['-NoProfile', '-NonInteractive', '-Command', powershellCapture(outFile)] } };
  }
  const linux: [string, () => CaptureCommand][] = [
    ['gnome-screenshot', () => ({ tool: 'gnome-screenshot', cmd: 'gnome-screenshot', args: ['-a', '-f', outFile] })],
    // grim alone shoots every output; with slurp the user drags a region first.
    ['grim', () => (has('slurp')
      ? { tool: 'grim + slurp', cmd: 'sh', args: ['-c', 'grim -g "$(slurp)" "$1"', 'sh', outFile] }
      : { tool: 'grim', cmd: 'grim', args: [outFile] })],
    ['import', () => ({ tool: 'import (ImageMagick)', cmd: 'import', args: [outFile] })],
    ['scrot', () => ({ tool: 'scrot', cmd: 'scrot', args: ['-s', '-o', outFile] })],
  ];
  // On Wayland X11-only tools see no windows: grim goes first there.
  const order = wayland ? [linux[1]!, linux[0]!, linux[2]!, linux[3]!] : linux;
  const found = order.find(([cmd]) => has(cmd));
  return found ? { ok: true, command: found[1]() } : { ok: false, message: LINUX_INSTALL_HINT };
}

/** Whether an executable of this name is on the PATH. */
export function onPath(cmd: string, path = process.env.PATH ?? ''): boolean {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of path.split(delimiter)) {
    for (const ext of exts) {
      try {
        accessSync(join(dir, cmd + ext), constants.X_OK);
        return true;
      } catch {
        // not in this directory
      }
    }
  }
  return false;
}

export class CaptureError extends Error {}

/** Runs the tool and returns the PNG, or throws CaptureError (no tool, cancelled, failed) with what to do. */
export async function captureScreenshot(outFile: string, signal?: AbortSignal): Promise<{ png: Buffer; tool: string }> {
  const choice = chooseCapture(process.platform, (c) => onPath(c), outFile, !!process.env.WAYLAND_DISPLAY);
  if (!choice.ok) throw new CaptureError(choice.message);
  const { command } = choice;
  rmSync(outFile, { force: true });
  await new Promise<void>((resolve, reject) => {
    execFile(command.cmd, command.args, { timeout: CAPTURE_TIMEOUT_MS, signal, windowsHide: true }, (err, _stdout, stderr) => {
      if (err && !signal?.aborted) reject(new CaptureError(`${command.tool} failed: ${(stderr || err.message).trim().slice(0, 300)}`));
      else resolve();
    });
  });
  let png: Buffer;
  try {
    png = readFileSync(outFile);
  } catch {
    throw new CaptureError('No screenshot was taken (cancelled?).');
  } finally {
    rmSync(outFile, { force: true });
  }
  if (png.length === 0) throw new CaptureError('No screenshot was taken (cancelled?).');
  return { png, tool: command.tool };
}

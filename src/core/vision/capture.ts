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

const LINUX_TOOLS =
  'gnome-screenshot (GNOME), grim and slurp (Wayland, e.g. sway), imagemagick (its `import` command, X11) or scrot — e.g. `sudo apt install gnome-screenshot`';
const LINUX_INSTALL_HINT = `No screenshot tool was found. Install one of: ${LINUX_TOOLS}.`;

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
  const [first] = captureCandidates(platform, has, outFile, wayland);
  return first ? { ok: true, command: first } : { ok: false, message: LINUX_INSTALL_HINT };
}

/** Every installed tool that could take it, best first (on Linux one may fail where another works: X11 vs Wayland). */
export function captureCandidates(platform: NodeJS.Platform, has: (cmd: string) => boolean, outFile: string, wayland: boolean): CaptureCommand[] {
  if (platform === 'darwin') return [{ tool: 'screencapture', cmd: 'screencapture', args: ['-i', '-x', outFile] }];
  if (platform === 'win32') {
    const ps = has('pwsh') ? 'pwsh' : 'powershell';
    return [{ tool: 'PowerShell', cmd: ps, args: ['-NoProfile', '-NonInteractive', '-Command', powershellCapture(outFile)] }];
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
  return order.filter(([cmd]) => has(cmd)).map(([, command]) => command());
}

/**
 * What to tell the user when every tool failed: which were tried and why, what to install, and, under a remote
 * editor (`remote`: VS Code's remote name), that the capture ran on the remote host, which has no screen.
 */
export function captureFailureMessage(failures: readonly { tool: string; error: string }[], remote?: string, platform: NodeJS.Platform = process.platform): string {
  const tried = failures.length ? ` Tried ${failures.map((f) => `${f.tool}: ${f.error}`).join('; ')}.` : '';
  const where = remote
    ? ` The capture runs where the extension runs, on the remote host (${remote}), which has no screen of yours: take the screenshot on your machine and paste or drop it into the chat.`
    : ' If this machine has no display (a container, SSH without X forwarding), paste or drop a screenshot into the chat instead.';
  return `No screenshot could be taken.${tried}${where}${platform === 'linux' ? ` Or install another tool: ${LINUX_TOOLS}.` : ''}`;
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

/** Runs the tools in turn until one gives a PNG, or throws CaptureError (no tool, cancelled, all failed) with what to do. */
export async function captureScreenshot(outFile: string, signal?: AbortSignal, remote?: string): Promise<{ png: Buffer; tool: string }> {
  const candidates = captureCandidates(process.platform, (c) => onPath(c), outFile, !!process.env.WAYLAND_DISPLAY);
  if (candidates.length === 0) throw new CaptureError(remote ? captureFailureMessage([], remote) : LINUX_INSTALL_HINT);
  const failures: { tool: string; error: string }[] = [];
  for (const command of candidates) {
    rmSync(outFile, { force: true });
    const error = await new Promise<string | undefined>((resolve) => {
      execFile(command.cmd, command.args, { timeout: CAPTURE_TIMEOUT_MS, signal, windowsHide: true }, (err, _stdout, stderr) => {
        resolve(err && !signal?.aborted ? (stderr || err.message).trim().slice(0, 200) : undefined);
      });
    });
    if (signal?.aborted) throw new CaptureError('No screenshot was taken (cancelled).');
    if (error !== undefined) {
      failures.push({ tool: command.tool, error });
      continue;
    }
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
  throw new CaptureError(captureFailureMessage(failures, remote));
}

import { describe, expect, it } from 'vitest';
import { captureFailureMessage, captureScreenshot, chooseCapture, onPath } from '../../src/core/vision/capture';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const having = (...tools: string[]) => (cmd: string) => tools.includes(cmd);

describe('choosing the screenshot tool', () => {
  it('uses screencapture with interactive selection on macOS', () => {
    expect(chooseCapture('darwin', having(), '/tmp/s.png', false)).toEqual({ ok: true, command: { tool: 'screencapture', cmd: 'screencapture', args: ['-i', '-x', '/tmp/s.png'] } });
  });

  it('uses PowerShell on Windows, preferring pwsh, with the path quoted for PowerShell', () => {
    const choice = chooseCapture('win32', having('pwsh'), "C:\\Temp\\it's.png", false);
    expect(choice.ok && choice.command.cmd).toBe('pwsh');
    expect(choice.ok && choice.command.args.at(-1)).toContain("$bmp.Save('C:\\Temp\\it''s.png'");
  });

  it('prefers gnome-screenshot on Linux (X11), with area selection', () => {
    expect(chooseCapture('linux', having('scrot', 'gnome-screenshot', 'import'), '/tmp/s.png', false)).toMatchObject({ ok: true, command: { cmd: 'gnome-screenshot', args: ['-a', '-f', '/tmp/s.png'] } });
  });

  it('prefers grim on Wayland, with slurp for a region when it is there', () => {
    expect(chooseCapture('linux', having('gnome-screenshot', 'grim', 'slurp'), '/tmp/s.png', true)).toMatchObject({ ok: true, command: { tool: 'grim + slurp', cmd: 'sh' } });
    expect(chooseCapture('linux', having('grim'), '/tmp/s.png', true)).toMatchObject({ ok: true, command: { cmd: 'grim', args: ['/tmp/s.png'] } });
  });

  it('falls back to ImageMagick import, then scrot', () => {
    expect(chooseCapture('linux', having('import', 'scrot'), '/tmp/s.png', false)).toMatchObject({ ok: true, command: { cmd: 'import' } });
    expect(chooseCapture('linux', having('scrot'), '/tmp/s.png', false)).toMatchObject({ ok: true, command: { cmd: 'scrot', args: ['-s', '-o', '/tmp/s.png'] } });
  });

  it('names what to install when no tool is there', () => {
    const choice = chooseCapture('linux', having(), '/tmp/s.png', false);
    expect(choice).toMatchObject({ ok: false });
    expect(!choice.ok && choice.message).toMatch(/gnome-screenshot.*grim.*imagemagick.*scrot.*sudo apt install/);
  });

  it('says which tools were tried and why they failed, what to install, and that a remote host has no screen', () => {
    const message = captureFailureMessage([{ tool: 'import (ImageMagick)', error: 'import-im6.q16: unable to open X server' }], 'ssh-remote', 'linux');
    expect(message).toContain('Tried import (ImageMagick): import-im6.q16: unable to open X server.');
    expect(message).toContain('on the remote host (ssh-remote)');
    expect(message).toContain('paste or drop it into the chat');
    expect(message).toContain('gnome-screenshot');
  });

  it.runIf(process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && onPath('import'))(
    'turns a tool failing for want of a display into that message, here where ImageMagick runs with no X server',
    async () => {
      await expect(captureScreenshot(join(tmpdir(), `capture-${process.pid}.png`))).rejects.toThrow(/Tried import \(ImageMagick\): .*X server.*paste or drop a screenshot into the chat/s);
    },
  );
});


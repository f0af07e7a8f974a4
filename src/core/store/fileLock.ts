import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** A holder that died keeps its lock file; flushes take milliseconds, so an old lock is a dead one. */
const STALE_AFTER_MS = 10_000;

/**
 * Cross-process lock by exclusive file creation (O_EXCL), so two editor windows never write the
 * database at the same time. Returns the release function.
 */
export async function acquireFileLock(lockPath: string, timeoutMs = 5000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid} ${new Date().toISOString()}`);
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(lockPath)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`The database is locked by another process (${lockPath}). If no other editor window is open, delete that file.`);
    }
    // Lock holders finish within milliseconds; a short randomized wait avoids two windows retrying in step.
    await delay(5 + Math.random() * 20);
  }
}

/**
 * A lock is stale when its holder is gone: the process that wrote it no longer runs (the database lives
 * in the editor's local storage, so the pid is one of this machine's), or it is older than any flush.
 */
function isStale(lockPath: string): boolean {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').split(' ')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) return true;
    return Date.now() - statSync(lockPath).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

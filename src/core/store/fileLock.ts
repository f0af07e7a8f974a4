import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
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

function isStale(lockPath: string): boolean {
  try {
    return Date.now() - statSync(lockPath).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}

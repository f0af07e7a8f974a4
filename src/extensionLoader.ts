// The extension's entry point (dist/extension.js): runs the bundle (dist/extensionMain.js) through V8's code cache,
// kept next to it, so an activation does not spend most of its time compiling a megabyte of JavaScript. The cache
// names the bundle it was made from (its mtime and size: V8 itself checks only the source's length, its own
// version and flags); a missing, stale or rejected one is rebuilt after startup.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

type Entry = typeof import('./extension');

/** Long enough after loading that activation has compiled what it runs, so the cache holds that too. */
const WRITE_CACHE_AFTER_MS = 2_000;

function load(file: string): Entry {
  const cacheFile = `${file}.cache`;
  const { mtimeMs, size } = statSync(file);
  const stamp = Buffer.from(`${mtimeMs} ${size}\n`);
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.subarray(0, stamp.length).equals(stamp)) cachedData = cache.subarray(stamp.length);
  } catch {
    // First start, or an extension folder the cache could not be written to.
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const bundle = new Module(file);
  bundle.filename = file;
  (script.runInThisContext() as (...args: unknown[]) => void).call(bundle.exports, bundle.exports, createRequire(file), bundle, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    setTimeout(() => {
      try {
        writeFileSync(cacheFile, Buffer.concat([stamp, script.createCachedData()]));
      } catch {
        // A read-only install: every start compiles, as without the cache.
      }
    }, WRITE_CACHE_AFTER_MS).unref();
  }
  return bundle.exports as Entry;
}

export const { activate, deactivate } = load(join(__dirname, 'extensionMain.js'));

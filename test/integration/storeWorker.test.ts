// The store off the editor's thread (docs/performance.md, "Store"): a worker owns the database, a save appends
// what changed to a journal that is folded into the base file in the background, and the integrity check runs
// there too. These tests use real files, real workers and the real lock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import initSqlJs from 'sql.js';
import { Store } from '../../src/core/store/db';
import { migrations } from '../../src/core/store/migrations';
import { HEADER_BYTES } from '../../src/core/store/journal';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'singularity-store-worker-'));
  file = join(dir, 'db.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const insert = (store: Store, id: string, reason = '') =>
  store.write("INSERT INTO requests (id, source, outcome, created_at, reason) VALUES (?, 'cli', 'ok', 1, ?)", [id, reason]);
const count = async (store: Store) => (await store.query<{ n: number }>('SELECT count(*) AS n FROM requests'))[0]!.n;
const journalBytes = () => statSync(`${file}.journal`).size;

/** A database file at the latest schema with `rows` requests of about 1 kB each, built without the store. */
async function bigDatabase(rows: number): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of migrations) {
    db.exec(m.sql);
    db.run('INSERT INTO schema_version VALUES (?, ?, 1)', [m.version, m.name]);
  }
  const reason = 'a year of questions about code '.repeat(32);
  db.run('BEGIN');
  const stmt = db.prepare("INSERT INTO requests (id, source, outcome, created_at, reason) VALUES (?, 'chat', 'ok', ?, ?)");
  for (let i = 0; i < rows; i++) stmt.run([`old-${i}`, i, reason]);
  stmt.free();
  db.run('COMMIT');
  writeFileSync(file, db.export());
  db.close();
}

describe('Store in a worker', () => {
  it('answers a query after a write with the write applied', async () => {
    const { store } = await Store.open({ file });
    insert(store, 'r1');
    expect(await store.query('SELECT id FROM requests')).toEqual([{ id: 'r1' }]);
    await store.close();
  });

  it('rejects a query with the SQL error message', async () => {
    const { store } = await Store.open({ file });
    await expect(store.query('SELECT no_such_column FROM requests')).rejects.toThrow('no such column: no_such_column');
    await store.close();
  });

  it('returns a result of thousands of rows whole and in order', async () => {
    const { store } = await Store.open({ file });
    for (let i = 0; i < 2500; i++) insert(store, `r${String(i).padStart(4, '0')}`);
    const rows = await store.query<{ id: string }>('SELECT id FROM requests ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 2500 }, (_, i) => `r${String(i).padStart(4, '0')}`));
    await store.close();
  });

  it('takes calls while it is still opening and answers them once open', async () => {
    const { store, opened } = Store.opening({ file });
    insert(store, 'early');
    const rows = store.query('SELECT id FROM requests');
    expect(await opened).toEqual([]);
    expect(await rows).toEqual([{ id: 'early' }]);
    await store.close();
  });

  it('saves what changed: a flush appends to the journal and leaves the base file as it was', async () => {
    const { store } = await Store.open({ file });
    const base = statSync(file);
    const before = journalBytes();
    insert(store, 'r1', 'x'.repeat(1000));
    await store.flush();
    const grown = journalBytes() - before;
    expect(grown).toBeGreaterThan(1000);
    expect(grown).toBeLessThan(1300);
    expect(statSync(file)).toMatchObject({ ino: base.ino, size: base.size, mtimeMs: base.mtimeMs });
    await store.close();
  });

  it('replays the journal over the base file when it opens after a worker that never closed', async () => {
    const { store } = await Store.open({ file });
    insert(store, 'r1');
    await store.flush();
    // The worker dies as it does when the editor is killed: no close, nothing folded into the base file.
    await (store as unknown as { worker: Worker }).worker.terminate();
    const reopened = await Store.open({ file });
    expect(reopened.warnings).toEqual([]);
    expect(await reopened.store.query('SELECT id FROM requests')).toEqual([{ id: 'r1' }]);
    await reopened.store.close();
  });

  it('ignores a torn last journal record with a warning, keeping every earlier save', async () => {
    const { store } = await Store.open({ file });
    insert(store, 'r1');
    await store.flush();
    insert(store, 'r2');
    await store.close();
    // A save cut short by a crash: a record header announcing more bytes than follow.
    appendFileSync(`${file}.journal`, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6]));
    const reopened = await Store.open({ file });
    expect(reopened.warnings).toEqual([expect.stringMatching(/cut short/)]);
    expect(await count(reopened.store)).toBe(2);
    insert(reopened.store, 'r3');
    await reopened.store.close();
    const again = await Store.open({ file });
    expect(again.warnings).toEqual([]);
    expect(await count(again.store)).toBe(3);
    await again.store.close();
  });

  it('rejects the calls in flight when its worker dies, and restarts on the next call with every row, saved or not', async () => {
    const { store } = await Store.open({ file, flushDelayMs: 600_000 });
    insert(store, 'saved');
    await store.flush();
    insert(store, 'unsaved');
    const inFlight = store.query('SELECT id FROM requests');
    await (store as unknown as { worker: Worker }).worker.terminate();
    await expect(inFlight).rejects.toThrow(/database worker stopped.*next call restarts it/);
    expect(await store.query('SELECT id FROM requests ORDER BY id')).toEqual([{ id: 'saved' }, { id: 'unsaved' }]);
    await store.close();
    const reopened = await Store.open({ file });
    expect(await count(reopened.store)).toBe(2);
    await reopened.store.close();
  });

  it('folds the journal into the base file at a quiet moment, keeping every row', async () => {
    const { store } = await Store.open({ file, compactBytes: 1 });
    const base = statSync(file);
    for (let i = 0; i < 50; i++) insert(store, `r${i}`);
    await store.flush();
    await vi.waitFor(() => expect(journalBytes()).toBe(HEADER_BYTES), { timeout: 10_000, interval: 50 });
    expect(statSync(file).ino).not.toBe(base.ino);
    await store.close();
    const reopened = await Store.open({ file });
    expect(await count(reopened.store)).toBe(50);
    await reopened.store.close();
  });

  it('folds a long journal into the base file when it closes, as a one-shot CLI run never sees a quiet moment', async () => {
    const { store } = await Store.open({ file, compactBytes: 1 });
    insert(store, 'r1');
    await store.flush();
    expect(journalBytes()).toBeGreaterThan(HEADER_BYTES);
    await store.close();
    expect(journalBytes()).toBe(HEADER_BYTES);
    const reopened = await Store.open({ file });
    expect(await count(reopened.store)).toBe(1);
    await reopened.store.close();
  });

  it('leaves no deleted row in the base file or the journal once saved whole', async () => {
    const { store } = await Store.open({ file });
    insert(store, 'r1', 'a secret worth deleting');
    await store.flush();
    await store.close();
    const again = (await Store.open({ file })).store;
    again.write('DELETE FROM requests');
    await again.saveWhole();
    const onDisk = Buffer.concat([readFileSync(file), readFileSync(`${file}.journal`)]);
    expect(onDisk.includes(Buffer.from('a secret worth deleting'))).toBe(false);
    expect(await count(again)).toBe(0);
    await again.close();
  });

  it('loses no rows of two stores on one file while one of them folds the journal into the base file', async () => {
    const a = (await Store.open({ file, compactBytes: 1 })).store;
    const b = (await Store.open({ file, flushDelayMs: 600_000 })).store;
    for (let i = 0; i < 20; i++) insert(a, `a${i}`);
    await a.flush();
    for (let i = 0; i < 20; i++) insert(b, `b${i}`);
    await b.flush();
    await vi.waitFor(() => expect(journalBytes()).toBe(HEADER_BYTES), { timeout: 10_000, interval: 50 });
    // b read the base before a saved it whole: its next save starts from a's file.
    for (let i = 20; i < 40; i++) insert(b, `b${i}`);
    await b.flush();
    expect(await count(a)).toBe(40);
    expect(await count(b)).toBe(60);
    await a.close();
    await b.close();
    const merged = await Store.open({ file });
    expect(await count(merged.store)).toBe(60);
    await merged.store.close();
  });

  it('never blocks the caller\'s event loop for 50 ms while it saves a database of tens of MB', async () => {
    await bigDatabase(30_000);
    expect(statSync(file).size).toBeGreaterThan(30e6);
    const { store } = await Store.open({ file, flushDelayMs: 20, compactBytes: 64 * 1024 });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = statSync(file).ino;
    for (let i = 0; i < 400; i++) {
      insert(store, `new-${i}`, 'y'.repeat(500));
      if (i % 20 === 0) await store.query('SELECT count(*) FROM requests WHERE created_at > ?', [i]);
    }
    await store.flush();
    await vi.waitFor(() => expect(statSync(file).ino).not.toBe(started), { timeout: 20_000, interval: 20 });
    delay.disable();
    expect(await count(store)).toBe(30_400);
    await store.close();
    expect(delay.max / 1e6).toBeLessThan(50);
  }, 60_000);

  it('sets aside a file that fails the background integrity check, says so, and goes on with a new one', async () => {
    await bigDatabase(200);
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xff, 20 * pageSize, 21 * pageSize); // a table page in the middle, as a failing disk leaves it
    writeFileSync(file, bytes);
    let warned!: (message: string) => void;
    const warning = new Promise<string>((resolve) => (warned = resolve));
    const { store, warnings } = await Store.open({ file, quickCheckDelayMs: 0, onWarning: (m) => warned(m) });
    expect(warnings).toEqual([]);
    const message = await warning;
    expect(message).toMatch(/failed its integrity check .* moved to .*db\.sqlite\.corrupt-.*kept for recovery/);
    const aside = readdirSync(dir).filter((f) => /^db\.sqlite\.corrupt-[^.]*$/.test(f));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!)).equals(bytes)).toBe(true);
    insert(store, 'after');
    expect(await store.query('SELECT id FROM requests')).toEqual([{ id: 'after' }]);
    await store.close();
    expect(existsSync(file)).toBe(true);
  });
});

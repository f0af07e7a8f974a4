import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/core/store/db';
import { Requests, type RequestRecord } from '../../src/core/store/requests';
import { migrations } from '../../src/core/store/migrations';
import type { Logger } from '../../src/core/log';

// The database file as users lose it: damaged by another program while a window has it open, emptied by
// a full disk or a sync tool, its folder removed. No row the window holds is lost, no damaged file is
// overwritten without a copy, and each case is said in a warning.
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'singularity-store-damage-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const request = (id: string): RequestRecord => ({ id, source: 'cli', tokensEstimated: false, attempts: 1, outcome: 'ok', createdAt: Date.now() });

describe('Store file damaged or missing', async () => {
  const warnings = () => {
    const lines: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
    return { lines, log };
  };
  const ids = async (store: Store) => (await store.query<{ id: string }>('SELECT id FROM requests ORDER BY id')).map((r) => r.id);

  it('sets aside a file corrupted while the store has it open, keeping its bytes, and saves its own rows in its place', async () => {
    const file = join(dir, 'db.sqlite');
    const { lines, log } = warnings();
    const { store } = await Store.open({ file, log });
    new Requests(store).record(request('r1'));
    await store.flush();
    const garbage = Buffer.from('not a database, but maybe someone\'s data '.repeat(50));
    writeFileSync(file, garbage);
    new Requests(store).record(request('r2'));
    await store.close();
    const aside = readdirSync(dir).filter((f) => f.startsWith('db.sqlite.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!))).toEqual(garbage);
    expect(lines).toEqual([expect.stringContaining(`moved to ${join(dir, aside[0]!)}`)]);
    const reopened = await Store.open({ file });
    expect(reopened.warnings).toEqual([]);
    expect(await ids(reopened.store)).toEqual(['r1', 'r2']);
    await reopened.store.close();
  });

  it('keeps its rows when the file is emptied to 0 bytes while the store has it open', async () => {
    const file = join(dir, 'db.sqlite');
    const { store } = await Store.open({ file, log: warnings().log });
    new Requests(store).record(request('r1'));
    await store.flush();
    writeFileSync(file, '');
    new Requests(store).record(request('r2'));
    await store.close();
    const reopened = await Store.open({ file });
    expect(await ids(reopened.store)).toEqual(['r1', 'r2']);
    await reopened.store.close();
  });

  it('warns when it opens a 0-byte database, which a save never leaves', async () => {
    const file = join(dir, 'db.sqlite');
    writeFileSync(file, '');
    const { store, warnings: opened } = await Store.open({ file });
    expect(opened).toEqual([expect.stringMatching(/was empty \(0 bytes/)]);
    expect(store.schemaVersion).toBe(migrations[migrations.length - 1]!.version);
    await store.close();
  });

  it('creates a missing folder for the database and its lock', async () => {
    const file = join(dir, 'not', 'yet', 'db.sqlite');
    const { store, warnings: opened } = await Store.open({ file });
    expect(opened).toEqual([]);
    rmSync(join(dir, 'not'), { recursive: true });
    new Requests(store).record(request('r1'));
    await store.close();
    const reopened = await Store.open({ file });
    expect(await ids(reopened.store)).toEqual(['r1']);
    await reopened.store.close();
  });
});

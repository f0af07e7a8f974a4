import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/core/store/db';
import { Conversations } from '../../src/core/store/conversations';
import { Requests, type RequestRecord } from '../../src/core/store/requests';
import { migrations } from '../../src/core/store/migrations';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'singularity-store-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const request = (id: string): RequestRecord => ({ id, source: 'cli', tokensEstimated: false, attempts: 1, outcome: 'ok', createdAt: Date.now() });

describe('Store', () => {

  it('creates the file with every migration applied on first open', async () => {
    const file = join(dir, 'db.sqlite');
    const { store, warnings } = await Store.open({ file });
    expect(warnings).toEqual([]);
    expect(existsSync(file)).toBe(true);
    expect(store.schemaVersion).toBe(migrations[migrations.length - 1]!.version);
    const tables = (await store.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name);
    expect(tables).toEqual(
      expect.arrayContaining(['requests', 'conversations', 'messages', 'ml_router_training_data', 'ml_router_predictions', 'feedback_data', 'adaptive_learning_logs']),
    );
    await store.close();
  });

  it('keeps written rows across close and reopen', async () => {
    const file = join(dir, 'db.sqlite');
    const first = await Store.open({ file });
    new Requests(first.store).record(request('r1'));
    await first.store.close();
    const second = await Store.open({ file });
    expect(await new Requests(second.store).count()).toBe(1);
    await second.store.close();
  });

  it('moves a corrupt file aside, reports it, and starts a fresh database', async () => {
    const file = join(dir, 'db.sqlite');
    writeFileSync(file, 'this is not a database'.repeat(100));
    const { store, warnings } = await Store.open({ file });
    expect(warnings[0]).toMatch(/unreadable and has been moved to .*corrupt/);
    expect(readdirSync(dir).some((f) => f.startsWith('db.sqlite.corrupt-'))).toBe(true);
    expect(await new Requests(store).count()).toBe(0);
    await store.close();
  });

  it('loses no rows when two windows write the same file', async () => {
    const file = join(dir, 'db.sqlite');
    const a = (await Store.open({ file, flushDelayMs: 1 })).store;
    const b = (await Store.open({ file, flushDelayMs: 1 })).store;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      new Requests(a).record(request(`a${i}`));
      new Requests(b).record(request(`b${i}`));
      if (i % 10 === 0) writes.push(a.flush(), b.flush());
    }
    await Promise.all(writes);
    await a.close();
    await b.close();
    const merged = (await Store.open({ file })).store;
    expect(await new Requests(merged).count()).toBe(200);
    await merged.close();
  });

  it('refuses a database written by a newer version instead of overwriting it', async () => {
    const file = join(dir, 'db.sqlite');
    const { store } = await Store.open({ file });
    store.write('INSERT INTO schema_version (version, name, applied_at) VALUES (999, ?, 0)', ['future']);
    await store.close();
    await expect(Store.open({ file })).rejects.toThrow(/newer than this version/);
  });
});

describe('Conversations', () => {
  it('keeps one open conversation per workspace and starts over on New chat', async () => {
    const { store } = await Store.open();
    const c = new Conversations(store);
    const id = await c.current('ws1');
    expect(await c.current('ws1')).toBe(id);
    expect(await c.current('ws2')).not.toBe(id);
    c.addMessage(id, { id: 'm1', role: 'user', text: 'hello' });
    c.addMessage(id, { id: 'm2', role: 'assistant', text: 'hi', meta: { route: 'local', model: 'llama3.2', node: 'laptop', ttftMs: 12 } });
    expect(await c.messages(id)).toEqual([
      { id: 'm1', role: 'user', text: 'hello' },
      { id: 'm2', role: 'assistant', text: 'hi', meta: { route: 'local', model: 'llama3.2', node: 'laptop', ttftMs: 12 } },
    ]);
    const fresh = c.startNew('ws1');
    expect(fresh).not.toBe(id);
    expect(await c.current('ws1')).toBe(fresh);
    expect(await c.messages(fresh)).toEqual([]);
    await store.close();
  });

  it('keeps the thumbnails of a question\'s images with it', async () => {
    const { store } = await Store.open();
    const c = new Conversations(store);
    const id = await c.current('ws1');
    const images = [{ mimeType: 'image/jpeg', base64: '/9j/4AAQSkZJRg==' }];
    c.addMessage(id, { id: 'm1', role: 'user', text: 'What does this error mean?', images });
    expect(await c.messages(id)).toEqual([{ id: 'm1', role: 'user', text: 'What does this error mean?', images }]);
    await store.close();
  });
});

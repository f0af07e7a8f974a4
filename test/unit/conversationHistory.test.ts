// The history list over a real sql.js store: what is listed, in which order, what search finds, and that
// rename, delete and reopen are kept per workspace and survive closing and reopening the database file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/core/store/db';
import { Conversations } from '../../src/core/store/conversations';
import { ConversationHistory } from '../../src/core/store/conversationHistory';
import type { AnswerMeta } from '../../src/core/types';

let dir: string;
let store: Store;
let conversations: Conversations;
let history: ConversationHistory;
let seq = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'singularity-history-'));
  ({ store } = await Store.open({ file: join(dir, 'db.sqlite') }));
  conversations = new Conversations(store);
  history = new ConversationHistory(store);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const local: AnswerMeta = { route: 'local', model: 'llama3.2', node: 'laptop' };
const cloud: AnswerMeta = { route: 'cloud', model: 'gpt-4o-mini', node: 'openai' };

/** One question and its answer in the workspace's open conversation. */
async function exchange(workspace: string, question: string, answer: string, meta: AnswerMeta = local): Promise<string> {
  const id = await conversations.current(workspace);
  conversations.addMessage(id, { id: `q${++seq}`, role: 'user', text: question });
  conversations.addMessage(id, { id: `a${++seq}`, role: 'assistant', text: answer, meta });
  return id;
}

describe('conversation history', () => {
  it('lists the workspace\'s conversations newest first, titled by their first question, with who answered', async () => {
    const first = await exchange('ws', 'How do I read a file in Node?', 'Use fs.readFile.');
    (await exchange('ws', 'And write one?', 'fs.writeFile.', cloud));
    conversations.startNew('ws');
    const second = await exchange('ws', 'What is a closure?', 'A function with its scope.');

    const listed = await history.list('ws');
    expect(listed.map((c) => c.id)).toEqual([second, first]);
    expect(listed[1]).toMatchObject({ title: 'How do I read a file in Node?', questions: 2, answeredBy: ['local · llama3.2', 'cloud · gpt-4o-mini'], open: false });
    expect(listed[0]).toMatchObject({ title: 'What is a closure?', questions: 1, open: true });
    expect(listed[0]!.updatedAt).toBeGreaterThanOrEqual(listed[1]!.updatedAt);
  });

  it('leaves out empty conversations and those of other workspaces', async () => {
    (await exchange('other', 'Elsewhere', 'yes'));
    (await conversations.current('ws'));
    expect(await history.list('ws')).toEqual([]);
  });

  it('finds conversations by title or by any message, literally and ignoring case', async () => {
    const files = await exchange('ws', 'How do I read a file?', 'Use fs.readFile with 100% certainty.');
    conversations.startNew('ws');
    const closures = await exchange('ws', 'What is a closure?', 'A function bundled with its lexical scope.');

    expect((await history.list('ws', 'CLOSURE')).map((c) => c.id)).toEqual([closures]);
    expect((await history.list('ws', 'lexical')).map((c) => c.id)).toEqual([closures]);
    expect((await history.list('ws', '100%')).map((c) => c.id)).toEqual([files]);
    expect(await history.list('ws', '%')).toHaveLength(1);
    expect(await history.list('ws', 'nowhere')).toEqual([]);
  });

  it('reopens an earlier conversation: it becomes the open one and further messages continue it', async () => {
    const first = await exchange('ws', 'First question', 'First answer');
    conversations.startNew('ws');
    (await exchange('ws', 'Second question', 'Second answer'));

    expect(await conversations.reopen('ws', first)).toBe(true);
    expect(await conversations.current('ws')).toBe(first);
    (await exchange('ws', 'Follow-up', 'More'));
    expect((await conversations.messages(first)).map((m) => m.text)).toEqual(['First question', 'First answer', 'Follow-up', 'More']);
    expect((await history.list('ws')).map((c) => [c.title, c.open])).toEqual([['First question', true], ['Second question', false]]);
  });

  it('does not reopen a conversation of another workspace', async () => {
    const elsewhere = await exchange('other', 'Elsewhere', 'yes');
    expect(await conversations.reopen('ws', elsewhere)).toBe(false);
    expect(await conversations.current('other')).toBe(elsewhere);
  });

  it('keeps a new name over the first question', async () => {
    const id = await exchange('ws', 'How do I read a file?', 'fs.readFile');
    history.rename('ws', id, '  Reading files  ');
    (await exchange('ws', 'Another question', 'answer'));
    expect((await history.list('ws'))[0]!.title).toBe('Reading files');
  });

  it('deletes a conversation with its messages; deleting the open one starts a new one', async () => {
    const kept = await exchange('ws', 'Keep me', 'kept');
    conversations.startNew('ws');
    const open = await exchange('ws', 'Delete me', 'gone');

    history.remove('ws', open);
    expect((await history.list('ws')).map((c) => c.id)).toEqual([kept]);
    expect(await conversations.messages(open)).toEqual([]);
    const fresh = await conversations.current('ws');
    expect(fresh).not.toBe(open);
    expect(await conversations.messages(fresh)).toEqual([]);
  });

  it('does not delete or rename a conversation of another workspace', async () => {
    const elsewhere = await exchange('other', 'Elsewhere', 'yes');
    history.rename('ws', elsewhere, 'Hijacked');
    history.remove('ws', elsewhere);
    expect((await history.list('other')).map((c) => c.title)).toEqual(['Elsewhere']);
  });

  it('keeps names, deletions and the reopened conversation after the database is closed and opened again', async () => {
    const first = await exchange('ws', 'First question', 'First answer');
    conversations.startNew('ws');
    const second = await exchange('ws', 'Second question', 'Second answer');
    conversations.startNew('ws');
    const third = await exchange('ws', 'Third question', 'Third answer');
    history.rename('ws', first, 'Renamed');
    history.remove('ws', second);
    (await conversations.reopen('ws', first));
    await store.close();

    ({ store } = await Store.open({ file: join(dir, 'db.sqlite') }));
    conversations = new Conversations(store);
    history = new ConversationHistory(store);
    expect((await history.list('ws')).map((c) => [c.id, c.title])).toEqual([[third, 'Third question'], [first, 'Renamed']]);
    expect(await conversations.current('ws')).toBe(first);
  });
});

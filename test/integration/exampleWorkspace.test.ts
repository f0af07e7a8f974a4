// Few-shot examples belong to the workspace they came from: a request gets only its own workspace's examples
// (pinned ones too), and callers without a workspace (the CLI, the endpoint) keep theirs under their own key.
import { describe, expect, it } from 'vitest';
import initSqlJs from 'sql.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask } from '../../src/core/pipeline';
import { Store } from '../../src/core/store/db';
import { migrations } from '../../src/core/store/migrations';
import { chats, cloud, cloudOf, input, nodeOf, ollama, result, setup } from './support';

const QUESTION = 'Write a python function parse_numbers that parses comma separated numbers';
const ANSWER = 'Use `split` and `int`: `[int(p) for p in text.split(",")]`.';
/** Cut off mid-code: the gate escalates it, and the cloud's answer becomes an example. */
const CUT_OFF = 'Here is the parser:\n\n```python\ndef parse_numbers(text):\n    result = []\n    for part in text.split(","):\n        result.append(int(part';

async function world(nodeReply = ANSWER) {
  const node = await ollama({ reply: () => nodeReply });
  const api = await cloud({ reply: () => ANSWER });
  const w = await setup({ nodes: [nodeOf(node, 'laptop')], cloudProviders: [cloudOf(api)] }, { learning: {} });
  return { ...w, node };
}

/** The roles of the messages the node got for its last request: ['system', 'user'] when it got no example. */
const lastSentRoles = (w: Awaited<ReturnType<typeof world>>) => (chats(w.node).at(-1)!.body as { messages: { role: string }[] }).messages.map((m) => m.role);

describe('few-shot examples per workspace', () => {
  it('makes a thumbs-up an example of the workspace whose conversation it is in', async () => {
    const w = await world();
    const first = input({ source: 'panel', workspace: 'project-a', question: QUESTION });
    const { text } = await result(ask(first, w.deps));
    const conversation = await w.conversations.current('project-a');
    w.conversations.addMessage(conversation, { id: 'q', role: 'user', text: QUESTION }, first.id);
    w.conversations.addMessage(conversation, { id: 'a', role: 'assistant', text, requestId: first.id }, first.id);
    await w.learning!.feedback.thumbs(first.id, 1);
    expect((await w.learning!.examples.list()).map((e) => e.workspace)).toEqual(['project-a']);
  });

  it('offers an example only to requests of its own workspace', async () => {
    const w = await world();
    await w.learning!.examples.add({ prompt: QUESTION, answer: ANSWER, source: 'thumbsUp', workspace: 'project-a' });
    await result(ask(input({ source: 'panel', workspace: 'project-b', question: QUESTION }), w.deps));
    expect(lastSentRoles(w)).toEqual(['system', 'user']);
    await result(ask(input({ source: 'panel', workspace: 'project-a', question: QUESTION }), w.deps));
    expect(lastSentRoles(w)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('does not offer a pinned example to another workspace', async () => {
    const w = await world();
    const id = (await w.learning!.examples.add({ prompt: QUESTION, answer: ANSWER, source: 'thumbsUp', workspace: 'project-a' }))!;
    w.learning!.examples.pin(id, true);
    await result(ask(input({ source: 'panel', workspace: 'project-b', question: QUESTION }), w.deps));
    expect(lastSentRoles(w)).toEqual(['system', 'user']);
  });

  it('does not merge the same question of two workspaces into one example', async () => {
    const w = await world();
    await w.learning!.examples.add({ prompt: QUESTION, answer: ANSWER, source: 'thumbsUp', workspace: 'project-a' });
    await w.learning!.examples.add({ prompt: QUESTION, answer: 'Another answer.', source: 'thumbsUp', workspace: 'project-b' });
    expect((await w.learning!.examples.list({ workspace: 'project-a' })).map((e) => e.answer)).toEqual([ANSWER]);
    expect((await w.learning!.examples.list({ workspace: 'project-b' })).map((e) => e.answer)).toEqual(['Another answer.']);
  });

  it("keeps the CLI's examples under the key 'cli', offered to the CLI and to no workspace", async () => {
    const w = await world(CUT_OFF);
    await result(ask(input({ source: 'cli', question: QUESTION }), w.deps));
    expect((await w.learning!.examples.list()).map((e) => [e.source, e.workspace])).toEqual([['cloudAfterLocal', 'cli']]);
    await result(ask(input({ source: 'panel', workspace: 'project-a', question: QUESTION }), w.deps));
    expect(lastSentRoles(w)).toEqual(['system', 'user']);
    await result(ask(input({ source: 'cli', question: QUESTION }), w.deps));
    expect(lastSentRoles(w)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it("keeps the endpoint's examples under the key 'endpoint'", async () => {
    const w = await world(CUT_OFF);
    await result(ask(input({ source: 'proxy', question: QUESTION }), w.deps));
    expect((await w.learning!.examples.list()).map((e) => e.workspace)).toEqual(['endpoint']);
  });
});

describe('migration 8 (example workspaces)', () => {
  it("gives existing examples their conversation's workspace, else their request source's key", async () => {
    const SQL = await initSqlJs();
    const old = new SQL.Database();
    old.run('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of migrations.filter((x) => x.version < 8)) {
      old.exec(m.sql);
      old.run('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 1)', [m.version, m.name]);
    }
    old.exec(`
      INSERT INTO conversations (id, workspace, created_at) VALUES ('c', 'project-a', 1);
      INSERT INTO messages (id, conversation_id, role, content, request_id, created_at) VALUES ('m', 'c', 'assistant', 'x', 'r-panel', 1);
      INSERT INTO requests (id, source, outcome, created_at) VALUES ('r-cli', 'cli', 'ok', 1), ('r-proxy', 'proxy', 'ok', 1);
      INSERT INTO few_shot_examples (id, prompt, answer, task_type, signature, source, source_request_id, status, created_at, updated_at) VALUES
        ('from-panel', 'q', 'a', 'coding', '[]', 'thumbsUp', 'r-panel', 'active', 1, 1),
        ('from-cli', 'q', 'a', 'coding', '[]', 'cloudAfterLocal', 'r-cli', 'active', 1, 1),
        ('from-endpoint', 'q', 'a', 'coding', '[]', 'cloudAfterLocal', 'r-proxy', 'active', 1, 1),
        ('unknown', 'q', 'a', 'coding', '[]', 'thumbsUp', NULL, 'active', 1, 1);`);
    const file = join(mkdtempSync(join(tmpdir(), 'singularity-m8-')), 'old.db');
    writeFileSync(file, old.export());
    old.close();

    const { store } = await Store.open({ file });
    expect(await store.query('SELECT id, workspace FROM few_shot_examples ORDER BY id')).toEqual([
      { id: 'from-cli', workspace: 'cli' },
      { id: 'from-endpoint', workspace: 'endpoint' },
      { id: 'from-panel', workspace: 'project-a' },
      { id: 'unknown', workspace: '' },
    ]);
    await store.close();
  });
});

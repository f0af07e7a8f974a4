import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendRecord, encodeRecord, HEADER_BYTES, journalHeader, newGeneration, readJournal, type JournalWrite } from '../../src/core/store/journal';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'singularity-journal-'));
  file = join(dir, 'db.sqlite.journal');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const embedding = new Uint8Array(new Float32Array([0.25, -1.5, 3e-8]).buffer);
const writes: JournalWrite[] = [
  { sql: 'INSERT INTO t VALUES (?, ?, ?, ?)', params: [null, -42.125, 'ünïcödé ✓', embedding] },
  { sql: 'DELETE FROM t', params: [] },
];

describe('journal', () => {
  it('reads back each record\'s writes as appended, blobs byte for byte, after the header naming its base', () => {
    const generation = newGeneration();
    writeFileSync(file, journalHeader(generation));
    appendRecord(file, encodeRecord(writes));
    const end = appendRecord(file, encodeRecord([writes[1]!]));
    expect(readJournal(file)).toEqual({ generation, records: [writes, [writes[1]]], end, torn: false });
  });

  it('reads from a record boundary on', () => {
    writeFileSync(file, journalHeader(newGeneration()));
    const first = appendRecord(file, encodeRecord(writes));
    appendRecord(file, encodeRecord([writes[1]!]));
    expect(readJournal(file, first)?.records).toEqual([[writes[1]]]);
  });

  it('stops at a record cut short or damaged and says the rest is torn', () => {
    writeFileSync(file, journalHeader(newGeneration()));
    const whole = appendRecord(file, encodeRecord(writes));
    const damaged = encodeRecord(writes);
    damaged[damaged.length - 1]! ^= 0xff;
    appendFileSync(file, damaged);
    expect(readJournal(file)).toMatchObject({ records: [writes], end: whole, torn: true });
  });

  it('has no generation for a file that is not a journal, and nothing for a missing one', () => {
    writeFileSync(file, 'not a journal at all');
    expect(readJournal(file)).toEqual({ generation: undefined, records: [], end: 0, torn: true });
    expect(readJournal(join(dir, 'missing'))).toBeUndefined();
    expect(HEADER_BYTES).toBe(journalHeader(newGeneration()).length);
  });
});

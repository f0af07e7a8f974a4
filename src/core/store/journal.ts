// The journal: the writes since the base file was last saved whole, appended as they are flushed, so a save
// costs what changed. `<db>.journal` starts with a header naming the base it extends (its generation, kept in
// the base's store_state table); then one record per flush: [u32 length][u32 crc32][payload], the payload being
// the flush's writes, each its SQL text and its parameters (blobs kept binary). A record whose length runs past
// the end of the file or whose checksum fails is a torn one, from a process that died while appending it.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { SqlValue } from 'sql.js';

export interface JournalWrite {
  sql: string;
  params: SqlValue[];
}

const MAGIC = Buffer.from('SGJ1');
const GENERATION_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + GENERATION_BYTES;
const RECORD_PREFIX = 8;

enum Tag {
  Null = 0,
  Number = 1,
  Text = 2,
  Blob = 3,
}

export function newGeneration(): string {
  return randomBytes(GENERATION_BYTES).toString('hex');
}

export function journalHeader(generation: string): Buffer {
  return Buffer.concat([MAGIC, Buffer.from(generation, 'hex')]);
}

/** One flush's writes as a record, ready to append. */
export function encodeRecord(writes: readonly JournalWrite[]): Buffer {
  const parts: Buffer[] = [u32(writes.length)];
  for (const w of writes) {
    const sql = Buffer.from(w.sql, 'utf8');
    parts.push(u32(sql.length), sql, u32(w.params.length));
    for (const p of w.params) parts.push(...encodeValue(p));
  }
  const payload = Buffer.concat(parts);
  return Buffer.concat([u32(payload.length), u32(crc32(payload)), payload]);
}

export interface JournalContent {
  /** The generation of the base this journal extends; undefined when the file is not a journal. */
  generation: string | undefined;
  /** Each record's writes, in the order they were appended. */
  records: JournalWrite[][];
  /** The offset just past the last whole record. */
  end: number;
  /** Whether bytes after `end` do not form a whole record. */
  torn: boolean;
}

/** Reads a journal from `from` (a record boundary; default: just after the header). Undefined when there is none. */
export function readJournal(file: string, from = HEADER_BYTES): JournalContent | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(HEADER_BYTES);
    const got = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (got < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) return { generation: undefined, records: [], end: 0, torn: size > 0 };
    const generation = header.subarray(MAGIC.length).toString('hex');
    const rest = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, rest, 0, rest.length, from);
    const records: JournalWrite[][] = [];
    let at = 0;
    while (at + RECORD_PREFIX <= rest.length) {
      const length = rest.readUInt32LE(at);
      const payload = rest.subarray(at + RECORD_PREFIX, at + RECORD_PREFIX + length);
      if (payload.length < length || crc32(payload) !== rest.readUInt32LE(at + 4)) break;
      records.push(decodeRecord(payload));
      at += RECORD_PREFIX + length;
    }
    return { generation, records, end: from + at, torn: at < rest.length };
  } finally {
    closeSync(fd);
  }
}

/** Appends one record and waits until it is on disk; returns the journal's new length. */
export function appendRecord(file: string, record: Buffer): number {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, record);
    fsyncSync(fd);
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function decodeRecord(payload: Buffer): JournalWrite[] {
  let at = 0;
  const read32 = () => {
    const v = payload.readUInt32LE(at);
    at += 4;
    return v;
  };
  const bytes = (n: number) => {
    const b = payload.subarray(at, at + n);
    at += n;
    return b;
  };
  const writes: JournalWrite[] = [];
  for (let count = read32(); count > 0; count--) {
    const sql = bytes(read32()).toString('utf8');
    const params: SqlValue[] = [];
    for (let n = read32(); n > 0; n--) {
      const tag = payload[at++] as Tag;
      if (tag === Tag.Null) params.push(null);
      else if (tag === Tag.Number) {
        params.push(payload.readDoubleLE(at));
        at += 8;
      } else if (tag === Tag.Text) params.push(bytes(read32()).toString('utf8'));
      else params.push(new Uint8Array(bytes(read32())));
    }
    writes.push({ sql, params });
  }
  return writes;
}

function encodeValue(v: SqlValue): Buffer[] {
  if (v === null || v === undefined) return [Buffer.of(Tag.Null)];
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = Tag.Number;
    b.writeDoubleLE(v, 1);
    return [b];
  }
  if (typeof v === 'string') {
    const text = Buffer.from(v, 'utf8');
    return [Buffer.of(Tag.Text), u32(text.length), text];
  }
  return [Buffer.of(Tag.Blob), u32(v.length), Buffer.from(v.buffer, v.byteOffset, v.length)];
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

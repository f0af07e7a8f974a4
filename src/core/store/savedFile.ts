// The database as it is saved on disk: a base file (SQLite) and the journal of the saves since (journal.ts).
import type { Database, SqlJsStatic } from 'sql.js';
import { readFileSync, renameSync, statSync } from 'node:fs';
import type { Logger } from '../log';
import { HEADER_BYTES, readJournal, type JournalWrite } from './journal';

export const journalFile = (file: string) => `${file}.journal`;

/** Identifies one version of the file on disk; a change means another window wrote it. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What this window last read or wrote of the file: the base, and how far into its journal. */
export interface Seen {
  base: FileStamp;
  generation: string | undefined;
  offset: number;
}

export interface Loaded {
  db: Database;
  seen: Seen;
  torn: boolean;
}

export function stampOf(file: string): FileStamp {
  const s = statSync(file);
  return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

export function sameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Moves an unreadable database file out of the way, kept for recovery; returns where it went. */
export function setAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  return aside;
}

/**
 * The database as saved on disk: the base file with the journal records that extend it replayed; undefined when
 * the base is not a readable database. The engine opens with it; tests read what the extension saved with it.
 */
export function loadSaved(SQL: SqlJsStatic, file: string, log: Logger): Loaded | undefined {
  for (;;) {
    const base = stampOf(file);
    const db = tryLoad(SQL, file);
    if (!db) return undefined;
    const generation = journalGeneration(db);
    const journal = generation ? readJournal(journalFile(file)) : undefined;
    // Another window saved the base whole between the two reads: its journal is a new one; read both again.
    if (!sameStamp(stampOf(file), base)) {
      db.close();
      continue;
    }
    const ours = journal && journal.generation === generation ? journal : undefined;
    if (ours) replay(db, ours.records, log);
    return { db, seen: { base, generation, offset: ours?.end ?? HEADER_BYTES }, torn: ours?.torn ?? false };
  }
}

/**
 * Loads a database file, or undefined when it is not a readable SQLite database. A cheap check: the header, the
 * length it declares (a truncated file fails here) and the schema. The full check runs later, in the background.
 */
function tryLoad(SQL: SqlJsStatic, file: string): Database | undefined {
  let db: Database | undefined;
  try {
    const bytes = readFileSync(file);
    if (!wholeSqliteFile(bytes)) return undefined;
    db = new SQL.Database(bytes);
    db.exec('SELECT count(*) FROM sqlite_master');
    return db;
  } catch {
    db?.close();
    return undefined;
  }
}

/** The SQLite header (sqlite.org/fileformat.html): the magic string, and at least as many pages as it declares. */
function wholeSqliteFile(bytes: Buffer): boolean {
  if (bytes.length < 100 || bytes.toString('latin1', 0, 16) !== 'SQLite format 3\0') return false;
  const raw = bytes.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || bytes.length % pageSize !== 0) return false;
  const pages = bytes.readUInt32BE(28);
  const declared = pages > 0 && bytes.readUInt32BE(92) === bytes.readUInt32BE(24);
  return !declared || bytes.length >= pages * pageSize;
}

function journalGeneration(db: Database): string | undefined {
  try {
    const value = db.exec("SELECT value FROM store_state WHERE key = 'journal_generation'")[0]?.values[0]?.[0];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // a base from before store_state (migration 11): no journal extends it
  }
}

/** Applies journal records, each one flush's writes, in a transaction of its own. */
export function replay(db: Database, records: JournalWrite[][], log: Logger): void {
  for (const record of records) {
    db.run('BEGIN');
    for (const w of record) {
      try {
        db.run(w.sql, w.params);
      } catch (err) {
        log.error(`A journaled database write no longer applies and was skipped: ${(err as Error).message} (${w.sql.slice(0, 60)})`);
      }
    }
    db.run('COMMIT');
  }
}

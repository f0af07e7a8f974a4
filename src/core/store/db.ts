import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { migrations } from './migrations';
import { acquireFileLock } from './fileLock';
import { writeFileAtomic } from './atomicWrite';

export type Row = Record<string, SqlValue>;

interface PendingWrite {
  sql: string;
  params: SqlValue[];
}

/** Identifies one version of the file on disk; a change means another window wrote it. */
interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface StoreOptions {
  /** Database file; omitted for an in-memory store (tests, CLI without persistence). */
  file?: string;
  /** Writes are batched: the file is written this long after the last write. */
  flushDelayMs?: number;
  log?: Logger;
}

export class DatabaseNewerError extends Error {}

let sqlJs: Promise<SqlJsStatic> | undefined;
function loadSqlJs(): Promise<SqlJsStatic> {
  // In the bundle, sql.js finds sql-wasm.wasm next to dist/extension.js (esbuild.mjs copies it there).
  sqlJs ??= initSqlJs();
  return sqlJs;
}

/**
 * The local database: sql.js in memory, persisted atomically to one file.
 *
 * Several editor windows may hold the same file. Each window remembers its own unsaved writes; a flush
 * takes a lock, and if the file changed since this window last read or wrote it, starts from the file
 * and re-applies its own writes on top. So no window overwrites rows another one committed.
 */
export class Store {
  private pending: PendingWrite[] = [];
  private dirty = false;
  private stamp: FileStamp | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly sql: SqlJsStatic,
    private db: Database,
    private readonly options: StoreOptions,
  ) {}

  /** Opens (or creates) the database. A corrupt file is moved aside and reported in `warnings`, never overwritten. */
  static async open(options: StoreOptions = {}): Promise<{ store: Store; warnings: string[] }> {
    const SQL = await loadSqlJs();
    const warnings: string[] = [];
    const { file } = options;
    let db: Database | undefined;
    let stamp: FileStamp | undefined;
    if (file && existsSync(file)) {
      stamp = stampOf(file);
      db = tryLoad(SQL, file);
      if (!db && stamp.size === 0) {
        warnings.push(`The Singularity database ${file} was empty (0 bytes; a saved one never is), so its history is lost. A new one was created.`);
        stamp = undefined;
      } else if (!db) {
        warnings.push(`The Singularity database was unreadable and has been moved to ${setAside(file)}. A new one was created; the old file is kept for recovery.`);
        stamp = undefined;
      }
    }
    db ??= new SQL.Database();
    const store = new Store(SQL, db, options);
    store.stamp = stamp;
    store.dirty = migrate(db) || !stamp;
    if (file && store.dirty) await store.flush();
    return { store, warnings };
  }

  get schemaVersion(): number {
    return currentVersion(this.db);
  }

  /** Rows of a read. Asynchronous because the database may live off the editor's thread; a query after a write sees it. */
  async query<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const stmt = this.db.prepare(sql, params);
    try {
      const rows: T[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as T);
      return rows;
    } finally {
      stmt.free();
    }
  }

  /**
   * Applies a write now and schedules it to be persisted. After close() a write is dropped with a warning: a
   * request still finishing as the window closes or a demo ends must not fail on its bookkeeping.
   */
  write(sql: string, params: SqlValue[] = []): void {
    if (this.closed) {
      (this.options.log ?? silentLogger).warn(`Dropped a write to a closed database: ${sql.slice(0, 60)}`);
      return;
    }
    this.db.run(sql, params);
    if (!this.options.file) return;
    this.pending.push({ sql, params });
    this.scheduleFlush();
  }

  /**
   * Persists pending writes now. Flushes are serialized; concurrent callers wait for the same work. A
   * failed flush (lock held too long, disk full) rejects for its caller only: the unsaved writes stay
   * pending and the next flush tries again, instead of every later flush failing with the old error.
   */
  flush(): Promise<void> {
    const run = this.flushing.catch(() => undefined).then(() => this.flushNow());
    this.flushing = run;
    return run;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    this.db.close();
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: Error) => (this.options.log ?? silentLogger).error(`Saving the database failed: ${err.message}`));
    }, this.options.flushDelayMs ?? 300);
  }

  private async flushNow(): Promise<void> {
    const { file } = this.options;
    if (!file || (this.pending.length === 0 && !this.dirty)) return;
    // The folder may be gone (a cleaned-up storage folder, a --db path not yet created): the lock lives there too.
    mkdirSync(dirname(file), { recursive: true });
    const release = await acquireFileLock(`${file}.lock`);
    try {
      const onDisk = existsSync(file) ? stampOf(file) : undefined;
      if (onDisk && !sameStamp(onDisk, this.stamp)) this.rebaseOnto(file);
      writeFileAtomic(file, this.db.export());
      this.stamp = stampOf(file);
      this.pending = [];
      this.dirty = false;
    } finally {
      release();
    }
  }

  /** Another process wrote the file: adopt its content and replay this window's unsaved writes on top. */
  private rebaseOnto(file: string): void {
    const theirs = tryLoad(this.sql, file);
    if (!theirs) {
      // Whatever is there now may still be someone's data: keep it, as a corrupt file at open is kept.
      const aside = statSync(file).size > 0 ? setAside(file) : undefined;
      (this.options.log ?? silentLogger).warn(`The database file changed on disk and cannot be read${aside ? `; it was moved to ${aside}` : ' (it is empty)'}. This window's copy is saved in its place.`);
      return;
    }
    migrate(theirs);
    theirs.run('BEGIN');
    for (const w of this.pending) theirs.run(w.sql, w.params);
    theirs.run('COMMIT');
    this.db.close();
    this.db = theirs;
  }
}

function stampOf(file: string): FileStamp {
  const s = statSync(file);
  return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

function sameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** Moves an unreadable database file out of the way, kept for recovery; returns where it went. */
function setAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  return aside;
}

/** Loads a database file, or undefined when it is not a readable SQLite database (sql.js reads 0 bytes as an empty one). */
function tryLoad(SQL: SqlJsStatic, file: string): Database | undefined {
  let db: Database | undefined;
  try {
    const bytes = readFileSync(file);
    if (bytes.length === 0) return undefined;
    db = new SQL.Database(bytes);
    const result = db.exec('PRAGMA integrity_check');
    if (result[0]?.values[0]?.[0] !== 'ok') throw new Error('integrity check failed');
    return db;
  } catch {
    db?.close();
    return undefined;
  }
}

function currentVersion(db: Database): number {
  const hasTable = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").length > 0;
  if (!hasTable) return 0;
  return Number(db.exec('SELECT COALESCE(MAX(version), 0) FROM schema_version')[0]?.values[0]?.[0] ?? 0);
}

/** Applies the migrations the database has not seen, each in its own transaction. Returns whether any ran. */
function migrate(db: Database): boolean {
  db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const from = currentVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > latest) {
    throw new DatabaseNewerError(`The database has schema version ${from}, newer than this version of Singularity knows (${latest}). Update the extension.`);
  }
  const todo = migrations.filter((m) => m.version > from);
  for (const m of todo) {
    db.run('BEGIN');
    try {
      db.exec(m.sql);
      db.run('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      db.run('COMMIT');
    } catch (err) {
      db.run('ROLLBACK');
      throw err;
    }
  }
  return todo.length > 0;
}

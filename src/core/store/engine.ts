import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { existsSync, mkdirSync, renameSync, statSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log';
import { currentVersion, migrate } from './schema';
import { journalFile, loadSaved, replay, sameStamp, setAside, stampOf, type Loaded, type Seen } from './savedFile';
import { acquireFileLock } from './fileLock';
import { writeFileAtomic } from './atomicWrite';
import { appendRecord, encodeRecord, HEADER_BYTES, journalHeader, newGeneration, readJournal, type JournalWrite } from './journal';

export type Row = Record<string, SqlValue>;

export interface EngineOptions {
  /** Database file; omitted for an in-memory database. */
  file?: string;
  /** Writes are batched: they are appended to the journal this long after the first unsaved one. */
  flushDelayMs?: number;
  /** A journal this long is folded into the base file at the next second of quiet, or at close. */
  compactBytes?: number;
  /** After this long without a call, a journal of any length is folded into the base file. */
  idleMs?: number;
  /** How long after opening the background integrity check may start (it runs at most once a day). */
  quickCheckDelayMs?: number;
}

export interface EngineEvents {
  log: Logger;
  /** A problem the user is told about while the store runs (the file failed its integrity check). */
  warning(message: string): void;
  /** Every write received so far is on disk (or failed and was reported). */
  saved(): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const QUIET_MS = 1000;
const SAVEPOINT = 'unsaved';

let sqlJs: Promise<SqlJsStatic> | undefined;
function loadSqlJs(): Promise<SqlJsStatic> {
  // In the bundle, sql.js finds sql-wasm.wasm next to the script that runs it (esbuild.mjs copies it to dist/).
  sqlJs ??= initSqlJs();
  return sqlJs;
}

/**
 * The database itself: sql.js in memory, persisted as a base file plus an append-only journal (journal.ts).
 * It runs in the store's worker thread (storeWorker.ts), or in-process for an in-memory database.
 *
 * A flush appends the writes since the last one as one journal record: it costs what changed. The journal is
 * folded into the base file (saved whole, atomically) in the background: at a quiet moment once it is long,
 * or after a longer quiet. Several editor windows may hold the same file. Each keeps its unsaved writes inside
 * a savepoint; a flush takes the lock, and if another window appended records since, rolls its own writes
 * back, applies theirs and re-applies its own, so every window applies every write in the journal's order. If
 * another window saved the base whole, it reloads base and journal and re-applies its writes on top. So no
 * window overwrites rows another one committed.
 */
export class StoreEngine {
  private pending: JournalWrite[] = [];
  private seen: Seen | undefined;
  /** A whole save failed after its writes left the savepoint: they are only in memory, so the next save is whole too. */
  private owesWholeSave = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private lastCall = Date.now();
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly sql: SqlJsStatic,
    private db: Database,
    private readonly options: EngineOptions,
    private readonly events: EngineEvents,
  ) {}

  /** Opens (or creates) the database. A corrupt file is moved aside and reported in `warnings`, never overwritten. */
  static async open(options: EngineOptions, events: EngineEvents): Promise<{ engine: StoreEngine; warnings: string[] }> {
    const SQL = await loadSqlJs();
    const warnings: string[] = [];
    const { file } = options;
    let loaded: Loaded | undefined;
    if (file && existsSync(file)) {
      const size = statSync(file).size;
      loaded = loadSaved(SQL, file, events.log);
      if (!loaded && size === 0) {
        warnings.push(`The Singularity database ${file} was empty (0 bytes; a saved one never is), so its history is lost. A new one was created.`);
      } else if (!loaded) {
        warnings.push(`The Singularity database was unreadable and has been moved to ${setAside(file)}. A new one was created; the old file is kept for recovery.`);
      }
    }
    const engine = new StoreEngine(SQL, loaded?.db ?? new SQL.Database(), options, events);
    engine.seen = loaded?.seen;
    if (file && loaded?.torn) warnings.push(...(await engine.locked(file, () => engine.dropTornTail(file))));
    const migrated = migrate(engine.db);
    if (file && (migrated || !engine.seen)) await engine.serialize(() => engine.saveWhole(file));
    if (file) engine.scheduleQuickCheck(Math.max(options.quickCheckDelayMs ?? 10_000, engine.lastQuickCheck() + DAY_MS - Date.now()));
    return { engine, warnings };
  }

  get schemaVersion(): number {
    return currentVersion(this.db);
  }

  query(sql: string, params: SqlValue[]): Row[] {
    this.touch();
    const stmt = this.db.prepare(sql, params);
    try {
      const rows: Row[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  }

  /** Applies a write now and schedules it to be appended to the journal. Throws the SQL error of a failed one. */
  write(sql: string, params: SqlValue[]): void {
    this.touch();
    if (!this.options.file) {
      this.db.run(sql, params);
      return;
    }
    // Armed for a failed write too: the save that follows tells the caller it has nothing left to keep for it.
    this.flushTimer ??= setTimeout(() => this.timedFlush(), this.options.flushDelayMs ?? 300);
    this.applyUnsaved({ sql, params });
  }

  /**
   * Appends the unsaved writes to the journal now. Saves are serialized. A failed one (lock held too long,
   * disk full) rejects for its caller only: the writes stay unsaved and the next flush tries again.
   */
  flush(): Promise<void> {
    const { file } = this.options;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    return this.serialize(async () => {
      if (!file) return;
      // After a failed whole save, this window's copy is saved whole even with no new write.
      if (this.pending.length > 0 || this.owesWholeSave) await this.locked(file, () => this.saveLocked(file));
      this.events.saved();
      this.armIdle();
    });
  }

  /**
   * Saves the database whole without the space of deleted rows (VACUUM), and starts an empty journal: after
   * Clear All Data, no deleted row is left in either file.
   */
  saveWholeNow(): Promise<void> {
    const { file } = this.options;
    if (!file) return Promise.resolve();
    return this.serialize(() =>
      this.locked(file, () => {
        this.saveLocked(file);
        this.db.exec('VACUUM');
        this.saveWholeLocked(file);
      }),
    );
  }

  /** Saves; a long journal is folded into the base file first, as a short-lived process (the CLI) never sees a quiet moment. */
  async close(): Promise<void> {
    const { file } = this.options;
    if (file && this.journalIsLong()) await this.compact(file);
    await this.flush();
    this.closed = true;
    for (const t of [this.flushTimer, this.idleTimer, this.checkTimer]) if (t) clearTimeout(t);
    this.db.close();
  }

  private timedFlush(): void {
    this.flushTimer = undefined;
    this.flush().catch((err: Error) => this.events.log.error(`Saving the database failed: ${err.message}`));
  }

  /** Every call restarts the wait for a quiet moment, when the journal is folded into the base file. */
  private touch(): void {
    this.lastCall = Date.now();
    this.armIdle();
  }

  private armIdle(): void {
    const { file } = this.options;
    if (!file || this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.compact(file).catch((err: Error) => this.events.log.error(`Saving the database whole failed: ${err.message}`));
    }, this.journalIsLong() ? QUIET_MS : (this.options.idleMs ?? 30_000));
  }

  private journalIsLong(): boolean {
    return (this.seen?.offset ?? 0) >= (this.options.compactBytes ?? 8 * 1024 * 1024);
  }

  /** Folds the journal into the base file, when there is one to fold (another window may have done it). */
  private compact(file: string): Promise<void> {
    return this.serialize(() =>
      this.locked(file, () => {
        this.saveLocked(file);
        if (this.seen && this.seen.offset > HEADER_BYTES) this.saveWholeLocked(file);
        this.events.saved();
      }),
    );
  }

  private serialize(run: () => Promise<void>): Promise<void> {
    const next = this.saving.catch(() => undefined).then(() => (this.closed ? undefined : run()));
    this.saving = next;
    return next;
  }

  private async locked<T>(file: string, run: () => T): Promise<T> {
    // The folder may be gone (a cleaned-up storage folder, a --db path not yet created): the lock lives there too.
    mkdirSync(dirname(file), { recursive: true });
    const release = await acquireFileLock(`${file}.lock`);
    try {
      return run();
    } finally {
      release();
    }
  }

  private async saveWhole(file: string): Promise<void> {
    // Another window may have created or saved the file since this one read it: start from its rows.
    await this.locked(file, () => this.saveLocked(file) || this.saveWholeLocked(file));
  }

  /**
   * Under the lock: catches up with the file, then appends the unsaved writes as one journal record. Returns
   * whether it saved the base file whole instead.
   */
  private saveLocked(file: string): boolean {
    const base = existsSync(file) ? stampOf(file) : undefined;
    const seen = this.seen;
    if (!base || this.owesWholeSave) return this.saveWholeLocked(file);
    if (!seen || !sameStamp(base, seen.base)) return this.rebase(file);
    const journal = readJournal(journalFile(file), seen.offset);
    // No journal, or one that is not this base's: this window's copy holds every row the file has.
    if (!journal || journal.generation !== seen.generation || journal.end < seen.offset) return this.saveWholeLocked(file);
    if (journal.records.length > 0) this.beneathUnsaved(() => replay(this.db, journal.records, this.events.log));
    if (journal.torn) this.truncateTorn(file, journal.end);
    seen.offset = journal.end;
    this.appendUnsaved(file);
    return false;
  }

  private appendUnsaved(file: string): void {
    if (this.pending.length === 0 || !this.seen) return;
    this.seen.offset = appendRecord(journalFile(file), encodeRecord(this.pending));
    this.commitUnsaved();
  }

  /** Another process saved the base whole (or damaged it): adopt its content and re-apply this window's writes on top. */
  private rebase(file: string): boolean {
    const loaded = loadSaved(this.sql, file, this.events.log);
    if (!loaded) {
      // Whatever is there now may still be someone's data: keep it, as a corrupt file at open is kept.
      const aside = statSync(file).size > 0 ? setAside(file) : undefined;
      this.events.log.warn(`The database file changed on disk and cannot be read${aside ? `; it was moved to ${aside}` : ' (it is empty)'}. This window's copy is saved in its place.`);
      return this.saveWholeLocked(file);
    }
    const migrated = migrate(loaded.db);
    const mine = this.takeUnsaved();
    this.db.close();
    this.db = loaded.db;
    this.seen = loaded.seen;
    for (const w of mine) this.reapply(w);
    if (loaded.torn) this.truncateTorn(file, loaded.seen.offset);
    if (migrated) return this.saveWholeLocked(file);
    this.appendUnsaved(file);
    return false;
  }

  /** Under the lock: saves this window's copy as the base file and starts an empty journal for it. */
  private saveWholeLocked(file: string): true {
    const unjournaled = this.pending.length > 0 || this.owesWholeSave;
    this.commitUnsaved();
    const generation = newGeneration();
    this.db.run("INSERT OR REPLACE INTO store_state (key, value) VALUES ('journal_generation', ?)", [generation]);
    try {
      writeFileAtomic(file, this.db.export());
      // A crash right here leaves the old journal with the new base: its generation no longer matches, so it is not replayed.
      writeFileAtomic(journalFile(file), journalHeader(generation));
    } catch (err) {
      // Writes now only in memory: the next flush saves whole again instead of appending to a journal that lacks them.
      this.owesWholeSave = unjournaled;
      throw err;
    }
    this.owesWholeSave = false;
    this.seen = { base: stampOf(file), generation, offset: HEADER_BYTES };
    this.events.saved();
    return true;
  }

  /** At open, a journal ending in a partial record: another window may be appending it, else a crash left it. */
  private dropTornTail(file: string): string[] {
    const seen = this.seen!;
    const journal = readJournal(journalFile(file), seen.offset);
    if (!journal || journal.generation !== seen.generation || !sameStamp(stampOf(file), seen.base)) return [];
    replay(this.db, journal.records, this.events.log);
    seen.offset = journal.end;
    if (!journal.torn) return [];
    truncateSync(journalFile(file), journal.end);
    return [`The last save to the Singularity database before it was closed was cut short (the editor or the machine stopped while saving); the writes of that one save are lost, all earlier ones are kept.`];
  }

  private truncateTorn(file: string, end: number): void {
    truncateSync(journalFile(file), end);
    this.events.log.warn('The Singularity database journal ended in a save that was cut short (a window stopped while saving); that save was dropped.');
  }

  private applyUnsaved(w: JournalWrite): void {
    if (this.pending.length === 0) this.db.run(`SAVEPOINT ${SAVEPOINT}`);
    try {
      this.db.run(w.sql, w.params);
    } catch (err) {
      if (this.pending.length === 0) this.db.run(`RELEASE ${SAVEPOINT}`);
      throw err;
    }
    this.pending.push(w);
  }

  /** A write re-applied over another window's rows; one that no longer applies is reported and dropped. */
  private reapply(w: JournalWrite): void {
    try {
      this.applyUnsaved(w);
    } catch (err) {
      this.events.log.error(`A database write failed over another window's rows and was dropped: ${(err as Error).message} (${w.sql.slice(0, 60)})`);
    }
  }

  /** Runs `apply` as if this window's unsaved writes came after it: they are rolled back, then re-applied. */
  private beneathUnsaved(apply: () => void): void {
    const mine = this.takeUnsaved();
    apply();
    for (const w of mine) this.reapply(w);
  }

  private takeUnsaved(): JournalWrite[] {
    const mine = this.pending;
    if (mine.length > 0) {
      this.db.run(`ROLLBACK TO ${SAVEPOINT}`);
      this.db.run(`RELEASE ${SAVEPOINT}`);
    }
    this.pending = [];
    return mine;
  }

  private commitUnsaved(): void {
    if (this.pending.length > 0) this.db.run(`RELEASE ${SAVEPOINT}`);
    this.pending = [];
  }

  private lastQuickCheck(): number {
    return Number(this.db.exec("SELECT value FROM store_state WHERE key = 'quick_check_at'")[0]?.values[0]?.[0] ?? 0);
  }

  private scheduleQuickCheck(delayMs: number): void {
    this.checkTimer = setTimeout(() => this.quickCheck(), Math.max(0, delayMs));
  }

  /** The integrity check, at a quiet moment: a busy store postpones it. */
  private quickCheck(): void {
    const { file } = this.options;
    if (!file || this.closed) return;
    if (Date.now() - this.lastCall < QUIET_MS) return this.scheduleQuickCheck(QUIET_MS);
    const result = this.db.exec('PRAGMA quick_check')[0]?.values.map((r) => String(r[0])) ?? [];
    if (result.length === 1 && result[0] === 'ok') {
      this.write("INSERT OR REPLACE INTO store_state (key, value) VALUES ('quick_check_at', ?)", [String(Date.now())]);
      return this.scheduleQuickCheck(DAY_MS);
    }
    const problem = result.slice(0, 3).join('; ').replace(/\s+/g, ' ') || 'no result';
    void this.serialize(() => this.locked(file, () => this.replaceDamaged(file, problem))).catch((err: Error) =>
      this.events.log.error(`Replacing the damaged database failed: ${err.message}`),
    );
  }

  /** Under the lock: the database failed its integrity check; its files are kept for recovery and a new one starts. */
  private replaceDamaged(file: string, problem: string): void {
    const aside = existsSync(file) ? setAside(file) : file;
    if (existsSync(journalFile(file))) renameSync(journalFile(file), `${aside}.journal`);
    this.pending = [];
    this.db.close();
    this.db = new this.sql.Database();
    migrate(this.db);
    this.seen = undefined;
    this.saveWholeLocked(file);
    this.events.warning(`The Singularity database failed its integrity check (${problem}) and has been moved to ${aside}. A new one was created; the old file is kept for recovery.`);
  }
}

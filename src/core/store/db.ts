import type { SqlValue } from 'sql.js';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { startWorker } from '../workerThread';
import type { EngineOptions, Row } from './engine';
import { DatabaseNewerError } from './schema';
import { serveStore, type Opened, type StoreMessage, type StoreRequest } from './serve';

export { DatabaseNewerError, type Row };

export interface StoreOptions extends EngineOptions {
  log?: Logger;
  /** Told of a problem found while the store runs (the background integrity check failed); the extension shows it. */
  onWarning?(message: string): void;
}

type Call = Extract<StoreRequest, { id: number }>;
type Unsent<R> = R extends unknown ? Omit<R, 'id'> : never;

interface Transport {
  send(request: StoreRequest): void;
  stop(): Promise<void>;
}

/**
 * The local database, as the rest of the extension sees it: every call is a message to the engine that owns
 * the database (engine.ts). For a file that engine runs in a worker thread, so no query, save or integrity
 * check ever holds up the editor's thread; an in-memory database (tests, a demo, the CLI without --db) runs
 * in-process. Writes are applied in order, before any later query; errors come back as rejected promises.
 *
 * The worker may die (out of memory, a bug): every call in flight is rejected with a clear error, and the next
 * call starts a new worker, which reopens the file and is sent again the writes not yet saved.
 */
export class Store {
  private transport: Transport | undefined;
  private worker: Worker | undefined;
  private nextId = 0;
  private seq = 0;
  private readonly calls = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  /** The leading parts of large query results still arriving (serve.ts). */
  private readonly parts = new Map<number, unknown[][]>();
  /** Writes the engine has not yet reported on disk: sent again to a restarted worker. */
  private unsaved: Extract<StoreRequest, { op: 'write' }>[] = [];
  private version: number | undefined;
  private closed = false;

  private constructor(private readonly options: StoreOptions) {}

  /**
   * Starts opening (or creating) the database and returns the store at once: calls made before it is ready wait
   * for it. `opened` resolves with the warnings (a corrupt file moved aside, never overwritten).
   */
  static opening(options: StoreOptions = {}): { store: Store; opened: Promise<string[]> } {
    const store = new Store(options);
    const opened = store.start();
    return { store, opened: opened.then((o) => o.warnings) };
  }

  /** Opens (or creates) the database. A corrupt file is moved aside and reported in `warnings`, never overwritten. */
  static async open(options: StoreOptions = {}): Promise<{ store: Store; warnings: string[] }> {
    const { store, opened } = Store.opening(options);
    try {
      return { store, warnings: await opened };
    } catch (err) {
      await store.stop();
      throw err;
    }
  }

  /** The schema version the database had once opened (migrated to the latest this version knows). */
  get schemaVersion(): number {
    if (this.version === undefined) throw new Error('The database is still opening.');
    return this.version;
  }

  /** Rows of a read. Asynchronous because the database lives off the editor's thread; a query after a write sees it. */
  query<T = Row>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.call({ op: 'query', sql, params }) as Promise<T[]>;
  }

  /**
   * Applies a write, in order with every other call, and has it saved within the batching delay. A failed
   * write is logged. After close() a write is dropped with a warning: a request still finishing as the window
   * closes or a demo ends must not fail on its bookkeeping.
   */
  write(sql: string, params: SqlValue[] = []): void {
    if (this.closed) return this.log.warn(`Dropped a write to a closed database: ${sql.slice(0, 60)}`);
    const request = { op: 'write' as const, seq: ++this.seq, sql, params };
    if (this.options.file) this.unsaved.push(request);
    // A restarted worker is sent every unsaved write, this one included.
    if (this.restarted() && this.options.file) return;
    this.send(request);
  }

  /**
   * Saves pending writes now. A failed save (lock held too long, disk full) rejects for its caller only: the
   * unsaved writes stay pending and the next save tries again.
   */
  async flush(): Promise<void> {
    await this.call({ op: 'flush' });
  }

  /** Saves now, the database whole and without the space of deleted rows: none of them is left on disk. */
  async saveWhole(): Promise<void> {
    await this.call({ op: 'saveWhole' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.call({ op: 'close' });
    } finally {
      await this.stop();
    }
  }

  private async stop(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    await transport?.stop();
  }

  private get log(): Logger {
    return this.options.log ?? silentLogger;
  }

  private call(request: Unsent<Call>): Promise<unknown> {
    if (this.closed && request.op !== 'close') return Promise.reject(new Error('The database is closed.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.send({ ...request, id } as Call);
    });
  }

  private send(request: StoreRequest): void {
    this.restarted();
    this.transport!.send(request);
    this.holdProcess();
  }

  /** After a crash, the next call starts the engine again; returns whether it did. */
  private restarted(): boolean {
    if (this.transport) return false;
    this.start().catch((err: Error) => this.log.error(`Reopening the database failed: ${err.message}`));
    return true;
  }

  /** Starts the engine and opens the database; after a crash, sends again the writes it had not saved. */
  private start(): Promise<Opened> {
    const { log: _log, onWarning: _onWarning, ...engineOptions } = this.options;
    this.transport = this.options.file ? this.workerTransport() : this.inlineTransport();
    const id = this.nextId++;
    const opened = new Promise<Opened>((resolve, reject) => this.calls.set(id, { resolve: (v) => resolve(v as Opened), reject }));
    this.transport.send({ op: 'open', id, options: engineOptions });
    for (const w of this.unsaved) this.transport.send(w);
    this.holdProcess();
    const first = this.version === undefined;
    return opened.then((o) => {
      this.version = o.schemaVersion;
      if (!first) for (const w of o.warnings) this.warn(w);
      return o;
    });
  }

  private inlineTransport(): Transport {
    const handle = serveStore((message) => queueMicrotask(() => this.receive(message)));
    return { send: handle, stop: async () => undefined };
  }

  private workerTransport(): Transport {
    const worker = startWorker(dirname(__filename), 'storeWorker');
    this.worker = worker;
    const transport: Transport = {
      send: (request) => worker.postMessage(request),
      stop: async () => {
        await worker.terminate();
      },
    };
    worker.on('message', (message: StoreMessage) => this.receive(message));
    worker.on('error', (err) => this.crashed(transport, err.message));
    worker.on('exit', (code) => this.crashed(transport, `exit code ${code}`));
    return transport;
  }

  private receive(message: StoreMessage): void {
    if ('event' in message) {
      if (message.event === 'log') this.log[message.level](message.message);
      else if (message.event === 'warning') this.warn(message.message);
      else this.unsaved = this.unsaved.filter((w) => w.seq > message.upTo);
    } else if ('part' in message) {
      const parts = this.parts.get(message.id) ?? [];
      parts.push(message.part);
      this.parts.set(message.id, parts);
    } else {
      const call = this.calls.get(message.id);
      const parts = this.parts.get(message.id);
      this.calls.delete(message.id);
      this.parts.delete(message.id);
      if ('error' in message) call?.reject(message.error.name === 'DatabaseNewerError' ? new DatabaseNewerError(message.error.message) : new Error(message.error.message));
      else call?.resolve(parts ? [...parts, message.value as unknown[]].flat() : message.value);
    }
    this.holdProcess();
  }

  private warn(message: string): void {
    this.log.warn(message);
    this.options.onWarning?.(message);
  }

  private crashed(transport: Transport, reason: string): void {
    if (this.transport !== transport) return;
    this.transport = undefined;
    this.worker = undefined;
    const error = new Error(`The database worker stopped (${reason}), so this call did not complete. The next call restarts it, with every saved row and the writes not yet saved.`);
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.parts.clear();
    this.log.error(error.message);
  }

  /** A process with calls in flight or writes not yet saved stays alive for them (the CLI exits on an empty loop). */
  private holdProcess(): void {
    if (this.calls.size > 0 || this.unsaved.length > 0) this.worker?.ref();
    else this.worker?.unref();
  }
}

// The store's side of the messages between a Store (db.ts) and the engine that owns the database: in the
// store's worker thread (storeWorker.ts) for a file, in-process for an in-memory database. Requests are handled
// in the order they arrive, each after the open: a query after a write sees it.
import type { SqlValue } from 'sql.js';
import type { Logger } from '../log';
import { StoreEngine, type EngineOptions } from './engine';

export type StoreRequest =
  | { op: 'open'; id: number; options: EngineOptions }
  | { op: 'query'; id: number; sql: string; params: SqlValue[] }
  | { op: 'write'; seq: number; sql: string; params: SqlValue[] }
  | { op: 'flush'; id: number }
  | { op: 'saveWhole'; id: number }
  | { op: 'close'; id: number };

export interface Opened {
  warnings: string[];
  schemaVersion: number;
}

/**
 * Rows of a large result travel in parts: the receiving thread deserializes each message at once, so one
 * message of 100k rows would hold it up for as long as that takes.
 */
const ROWS_PER_PART = 1000;

export type StoreMessage =
  | { id: number; value: unknown }
  | { id: number; part: unknown[] }
  | { id: number; error: { name: string; message: string } }
  | { event: 'log'; level: keyof Logger; message: string }
  | { event: 'warning'; message: string }
  /** Every write up to `upTo` is on disk (or failed and was reported). */
  | { event: 'saved'; upTo: number };

export function serveStore(post: (message: StoreMessage) => void): (request: StoreRequest) => void {
  let engine: Promise<StoreEngine> | undefined;
  let received = 0;
  const log: Logger = {
    debug: (message) => post({ event: 'log', level: 'debug', message }),
    info: (message) => post({ event: 'log', level: 'info', message }),
    warn: (message) => post({ event: 'log', level: 'warn', message }),
    error: (message) => post({ event: 'log', level: 'error', message }),
  };
  const events = { log, warning: (message: string) => post({ event: 'warning', message }), saved: () => post({ event: 'saved', upTo: received }) };
  const fail = (id: number, err: unknown) => {
    const { name, message } = err instanceof Error ? err : new Error(String(err));
    post({ id, error: { name, message } });
  };

  const handle = async (e: StoreEngine, request: Exclude<StoreRequest, { op: 'open' }>): Promise<void> => {
    switch (request.op) {
      case 'query': {
        const rows = e.query(request.sql, request.params);
        for (let at = 0; at + ROWS_PER_PART < rows.length; at += ROWS_PER_PART) post({ id: request.id, part: rows.slice(at, at + ROWS_PER_PART) });
        return post({ id: request.id, value: rows.slice(Math.max(0, Math.ceil(rows.length / ROWS_PER_PART) - 1) * ROWS_PER_PART) });
      }
      case 'write':
        received = request.seq;
        try {
          e.write(request.sql, request.params);
        } catch (err) {
          log.error(`A database write failed: ${(err as Error).message} (${request.sql.slice(0, 60)})`);
        }
        return;
      case 'flush':
        await e.flush();
        return post({ id: request.id, value: undefined });
      case 'saveWhole':
        await e.saveWholeNow();
        return post({ id: request.id, value: undefined });
      case 'close':
        await e.close();
        return post({ id: request.id, value: undefined });
    }
  };

  return (request) => {
    if (request.op === 'open') {
      const opening = StoreEngine.open(request.options, events);
      engine = opening.then((o) => o.engine);
      opening.then(
        ({ engine: e, warnings }) => post({ id: request.id, value: { warnings, schemaVersion: e.schemaVersion } satisfies Opened }),
        (err: unknown) => fail(request.id, err),
      );
      return;
    }
    const id = 'id' in request ? request.id : undefined;
    if (!engine) return id === undefined ? undefined : fail(id, new Error('The database is not open.'));
    engine.then(
      (e) => handle(e, request).catch((err: unknown) => (id === undefined ? undefined : fail(id, err))),
      (err: unknown) => (id === undefined ? undefined : fail(id, err)),
    );
  };
}

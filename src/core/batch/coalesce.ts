// Identical requests that are in flight at the same time share one underlying call.
//
// Semantics (see docs/BATCH_PROCESSING.md):
// - The first caller for a key starts the underlying stream; it is pumped independently of how fast
//   any caller reads, and every event is kept in a buffer while the call runs.
// - A caller that joins while the call runs first receives every event from the beginning (replay),
//   then the live ones. An error thrown by the underlying stream is re-thrown to every caller after
//   the events before it.
// - When the call ends (normally or with an error) the key is free: the next caller starts a new call.
//   Results are never cached beyond the life of the call.
// - When every caller has stopped early (broke out of its loop, or its own signal aborted), the call
//   is cancelled through the AbortSignal handed to `start`, and the key is freed at once so a later
//   caller starts afresh instead of joining a cancelled call. The cancelled stream is still drained
//   to its end in the background (events dropped), so a pipeline can record its "cancelled" row and
//   release its node slot.

import { createHash } from 'node:crypto';

interface Flight<E> {
  readonly events: E[];
  done: boolean;
  failure?: { error: unknown };
  subscribers: number;
  readonly controller: AbortController;
  /** Resolvers of callers waiting for the next event or the end. */
  readonly waiters: Set<() => void>;
}

export class Coalescer<E> {
  private readonly flights = new Map<string, Flight<E>>();

  /**
   * The events of the call for `key`, shared with every other caller of the same key while it runs.
   * `start` receives the signal that cancels the call once nobody listens any more. `signal` is this
   * caller's own: when it aborts, this caller's iteration ends (without further events) and it stops
   * counting as a listener.
   * The caller joins on its first `next()` (the first step of a for-await loop), not when run() is called.
   */
  run(key: string, start: (signal: AbortSignal) => AsyncIterable<E>, signal?: AbortSignal): AsyncIterable<E> {
    return this.subscribe(key, start, signal);
  }

  /** Keys with a call in flight (for tests and diagnostics). */
  get inFlight(): number {
    return this.flights.size;
  }

  private async *subscribe(key: string, start: (signal: AbortSignal) => AsyncIterable<E>, signal?: AbortSignal): AsyncGenerator<E> {
    if (signal?.aborted) return;
    const flight = this.flights.get(key) ?? this.launch(key, start);
    flight.subscribers++;
    let next = 0;
    try {
      for (;;) {
        if (signal?.aborted) return;
        if (next < flight.events.length) {
          yield flight.events[next++]!;
          continue;
        }
        if (flight.done) {
          if (flight.failure) throw flight.failure.error;
          return;
        }
        await changed(flight, signal);
      }
    } finally {
      flight.subscribers--;
      if (flight.subscribers === 0 && !flight.done) this.abandon(key, flight);
    }
  }

  private launch(key: string, start: (signal: AbortSignal) => AsyncIterable<E>): Flight<E> {
    const flight: Flight<E> = { events: [], done: false, subscribers: 0, controller: new AbortController(), waiters: new Set() };
    this.flights.set(key, flight);
    void this.pump(key, flight, start);
    return flight;
  }

  private async pump(key: string, flight: Flight<E>, start: (signal: AbortSignal) => AsyncIterable<E>): Promise<void> {
    try {
      for await (const event of start(flight.controller.signal)) {
        if (flight.controller.signal.aborted) continue; // abandoned: drain, nobody reads
        flight.events.push(event);
        wake(flight);
      }
    } catch (error) {
      flight.failure = { error };
    } finally {
      flight.done = true;
      if (this.flights.get(key) === flight) this.flights.delete(key);
      wake(flight);
    }
  }

  private abandon(key: string, flight: Flight<E>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
    flight.controller.abort();
  }
}

function wake(flight: Flight<unknown>): void {
  for (const resolve of [...flight.waiters]) resolve();
  flight.waiters.clear();
}

/** Resolves on the flight's next event or end, or when the caller's signal aborts. */
function changed(flight: Flight<unknown>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      flight.waiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    flight.waiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The identity of a request for coalescing: the SHA-256 of a canonical JSON of the model asked for,
 * the route and the exact messages (object keys sorted, so key order does not matter).
 */
export function requestKey(parts: { model?: string; route: string; messages: unknown }): string {
  return createHash('sha256').update(canonicalJson({ model: parts.model ?? null, route: parts.route, messages: parts.messages })).digest('hex');
}

/** JSON with object keys sorted at every level; undefined members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortKeys((value as { toJSON(): unknown }).toJSON());
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}
